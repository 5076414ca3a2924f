/**
 * The demo shop's vocabulary: a bilingual category tree with product nouns and a median price per
 * leaf, brands with a price level and the categories they sell, and attribute vocabularies (colour,
 * material, size). Everything here is invented; brand names are fictional.
 */

/** A name in English and in Simplified Chinese. */
export interface Words {
  en: string;
  zh: string;
}

/** The size vocabularies; a leaf category names the one its products use. */
export const SIZES = {
  clothing: ['XS', 'S', 'M', 'L', 'XL', 'XXL'],
  shoes: ['36', '37', '38', '39', '40', '41', '42', '43', '44', '45', '46'],
  capacity: ['64GB', '128GB', '256GB', '512GB', '1TB'],
  screen: ['13-inch', '14-inch', '15.6-inch', '16-inch'],
  power: ['20W', '30W', '45W', '65W'],
  length: ['20cm', '24cm', '28cm', '30cm', '32cm'],
  thickness: ['1/4-inch', '3/8-inch', '1/2-inch', '3/4-inch'],
  cushion: ['16-inch', '18-inch', '20-inch', '24-inch'],
  bed: ['Single', 'Double', 'Queen', 'King'],
  pillow: ['40x60cm', '50x70cm', '65x65cm'],
  volume: ['30ml', '50ml', '100ml', '250ml', '500ml'],
  weight: ['2kg', '5kg', '8kg', '10kg', '16kg'],
  tent: ['1-person', '2-person', '3-person', '4-person'],
  backpack: ['20L', '30L', '45L', '65L'],
  helmet: ['S', 'M', 'L'],
  age: ['0-6M', '6-12M', '1-2Y', '3-5Y', '6-8Y'],
  diapers: ['NB', 'S', 'M', 'L', 'XL'],
} as const satisfies Record<string, readonly string[]>;

export type SizeScheme = keyof typeof SIZES;

/** Bigger is dearer for these: a 1TB drive costs more than a 64GB one, a king duvet more than a single. */
export const PRICE_SCALES_WITH_SIZE: ReadonlySet<SizeScheme> = new Set<SizeScheme>([
  'capacity', 'screen', 'power', 'length', 'cushion', 'bed', 'volume', 'weight', 'tent', 'backpack',
]);

export const COLOURS = {
  black: { en: 'Black', zh: '黑色' },
  white: { en: 'White', zh: '白色' },
  grey: { en: 'Grey', zh: '灰色' },
  navy: { en: 'Navy', zh: '藏青色' },
  blue: { en: 'Blue', zh: '蓝色' },
  red: { en: 'Red', zh: '红色' },
  pink: { en: 'Pink', zh: '粉色' },
  green: { en: 'Green', zh: '绿色' },
  olive: { en: 'Olive', zh: '橄榄绿' },
  beige: { en: 'Beige', zh: '米色' },
  brown: { en: 'Brown', zh: '棕色' },
  yellow: { en: 'Yellow', zh: '黄色' },
  purple: { en: 'Purple', zh: '紫色' },
  silver: { en: 'Silver', zh: '银色' },
  gold: { en: 'Gold', zh: '金色' },
} as const satisfies Record<string, Words>;

export type ColourKey = keyof typeof COLOURS;

/** Materials, and for beauty products the key ingredient (the leaf says which attribute it fills). */
export const MATERIALS = {
  cotton: { en: 'Cotton', zh: '纯棉' },
  linen: { en: 'Linen', zh: '亚麻' },
  wool: { en: 'Wool', zh: '羊毛' },
  cashmere: { en: 'Cashmere', zh: '羊绒' },
  silk: { en: 'Silk', zh: '真丝' },
  polyester: { en: 'Polyester', zh: '涤纶' },
  denim: { en: 'Denim', zh: '牛仔布' },
  leather: { en: 'Leather', zh: '真皮' },
  canvas: { en: 'Canvas', zh: '帆布' },
  mesh: { en: 'Mesh', zh: '网面' },
  down: { en: 'Down', zh: '羽绒' },
  nylon: { en: 'Nylon', zh: '尼龙' },
  stainless: { en: 'Stainless Steel', zh: '不锈钢' },
  castIron: { en: 'Cast Iron', zh: '铸铁' },
  aluminium: { en: 'Aluminium', zh: '铝合金' },
  ceramic: { en: 'Ceramic', zh: '陶瓷' },
  glass: { en: 'Glass', zh: '玻璃' },
  bamboo: { en: 'Bamboo', zh: '竹制' },
  oak: { en: 'Oak', zh: '橡木' },
  plastic: { en: 'ABS Plastic', zh: 'ABS塑料' },
  silicone: { en: 'Silicone', zh: '硅胶' },
  rubber: { en: 'Natural Rubber', zh: '天然橡胶' },
  tpe: { en: 'TPE', zh: 'TPE' },
  memoryFoam: { en: 'Memory Foam', zh: '记忆棉' },
  hyaluronic: { en: 'Hyaluronic Acid', zh: '玻尿酸' },
  vitaminC: { en: 'Vitamin C', zh: '维C' },
  aloe: { en: 'Aloe Vera', zh: '芦荟' },
  greenTea: { en: 'Green Tea', zh: '绿茶' },
  argan: { en: 'Argan Oil', zh: '摩洛哥坚果油' },
} as const satisfies Record<string, Words>;

export type MaterialKey = keyof typeof MATERIALS;

/** Materials a shopper looks for when they care about the planet; items in them get an `eco` tag. */
export const ECO_MATERIALS: ReadonlySet<MaterialKey> = new Set<MaterialKey>(['linen', 'bamboo', 'oak', 'rubber', 'aloe', 'greenTea']);

export interface LeafCategory extends Words {
  /** What the products are called, e.g. T-Shirt / T恤. */
  nouns: readonly Words[];
  /** Median price in EUR for a brand of price level 1. */
  price: number;
  sizes?: SizeScheme;
  materials: readonly MaterialKey[];
  /** `ingredient` for cosmetics; `material` otherwise. */
  materialAttribute: 'material' | 'ingredient';
  /** The colours its products come in; empty when colour means nothing (shampoo, diapers). */
  colours: readonly ColourKey[];
}

export interface SubCategory extends Words {
  leaves: readonly LeafCategory[];
}

export interface TopCategory extends Words {
  key: TopKey;
  subs: readonly SubCategory[];
}

export type TopKey = 'women' | 'men' | 'home' | 'electronics' | 'beauty' | 'sports' | 'kids';

const ALL_COLOURS = Object.keys(COLOURS) as ColourKey[];
const APPAREL: readonly ColourKey[] = ['black', 'white', 'grey', 'navy', 'blue', 'red', 'pink', 'green', 'olive', 'beige', 'brown', 'yellow', 'purple'];
const GADGET: readonly ColourKey[] = ['black', 'white', 'silver', 'blue', 'gold', 'grey'];
const HOMEWARE: readonly ColourKey[] = ['black', 'white', 'grey', 'red', 'beige', 'green', 'blue'];

interface LeafOptions {
  sizes?: SizeScheme;
  materials?: readonly MaterialKey[];
  ingredients?: readonly MaterialKey[];
  colours?: readonly ColourKey[];
}

/** Keeps the tree below readable: one line per leaf. */
function leaf(en: string, zh: string, price: number, nouns: ReadonlyArray<readonly [string, string]>, o: LeafOptions = {}): LeafCategory {
  return {
    en,
    zh,
    price,
    nouns: nouns.map(([nen, nzh]) => ({ en: nen, zh: nzh })),
    ...(o.sizes ? { sizes: o.sizes } : {}),
    materials: o.ingredients ?? o.materials ?? [],
    materialAttribute: o.ingredients ? 'ingredient' : 'material',
    colours: o.colours ?? [],
  };
}

function sub(en: string, zh: string, leaves: readonly LeafCategory[]): SubCategory {
  return { en, zh, leaves };
}

const clothes = (materials: readonly MaterialKey[]): LeafOptions => ({ sizes: 'clothing', materials, colours: APPAREL });
const shoes = (materials: readonly MaterialKey[]): LeafOptions => ({ sizes: 'shoes', materials, colours: APPAREL });

export const CATEGORY_TREE: readonly TopCategory[] = [
  {
    key: 'women', en: "Women's Clothing", zh: '女装',
    subs: [
      sub('Tops', '上衣', [
        leaf('T-Shirts', 'T恤', 15, [['T-Shirt', 'T恤'], ['Crop Top', '短款上衣']], clothes(['cotton', 'linen', 'polyester'])),
        leaf('Blouses', '衬衫', 32, [['Blouse', '衬衫'], ['Wrap Top', '裹身上衣']], clothes(['cotton', 'silk', 'linen', 'polyester'])),
        leaf('Sweaters', '毛衣', 48, [['Sweater', '毛衣'], ['Cardigan', '开衫']], clothes(['wool', 'cashmere', 'cotton'])),
      ]),
      sub('Dresses', '连衣裙', [
        leaf('Casual Dresses', '休闲连衣裙', 40, [['Dress', '连衣裙'], ['Shirt Dress', '衬衫裙']], clothes(['cotton', 'linen', 'polyester'])),
        leaf('Evening Dresses', '晚礼服', 95, [['Evening Gown', '晚礼服'], ['Cocktail Dress', '小礼服']], clothes(['silk', 'polyester'])),
      ]),
      sub('Bottoms', '下装', [
        leaf('Jeans', '牛仔裤', 50, [['Jeans', '牛仔裤'], ['Skinny Jeans', '紧身牛仔裤']], clothes(['denim'])),
        leaf('Skirts', '半身裙', 35, [['Skirt', '半身裙'], ['Pleated Skirt', '百褶裙']], clothes(['cotton', 'polyester', 'wool'])),
      ]),
      sub('Shoes', '女鞋', [
        leaf('Sneakers', '运动鞋', 60, [['Sneakers', '运动鞋'], ['Canvas Shoes', '帆布鞋']], shoes(['canvas', 'leather', 'mesh'])),
        leaf('Heels', '高跟鞋', 70, [['High Heels', '高跟鞋'], ['Pumps', '浅口鞋']], shoes(['leather'])),
      ]),
    ],
  },
  {
    key: 'men', en: "Men's Clothing", zh: '男装',
    subs: [
      sub('Tops', '上衣', [
        leaf('T-Shirts', 'T恤', 14, [['T-Shirt', 'T恤'], ['Polo Shirt', 'Polo衫']], clothes(['cotton', 'polyester'])),
        leaf('Shirts', '衬衫', 35, [['Shirt', '衬衫'], ['Oxford Shirt', '牛津纺衬衫']], clothes(['cotton', 'linen'])),
        leaf('Hoodies', '卫衣', 40, [['Hoodie', '连帽卫衣'], ['Sweatshirt', '卫衣']], clothes(['cotton', 'polyester'])),
      ]),
      sub('Bottoms', '下装', [
        leaf('Jeans', '牛仔裤', 55, [['Jeans', '牛仔裤'], ['Straight Jeans', '直筒牛仔裤']], clothes(['denim'])),
        leaf('Chinos', '休闲裤', 45, [['Chinos', '休闲裤'], ['Cargo Pants', '工装裤']], clothes(['cotton', 'linen'])),
      ]),
      sub('Outerwear', '外套', [
        leaf('Jackets', '夹克', 80, [['Jacket', '夹克'], ['Bomber Jacket', '飞行员夹克']], clothes(['nylon', 'leather', 'denim'])),
        leaf('Coats', '大衣', 150, [['Coat', '大衣'], ['Down Jacket', '羽绒服']], clothes(['wool', 'down', 'nylon'])),
      ]),
      sub('Shoes', '男鞋', [
        leaf('Sneakers', '运动鞋', 65, [['Sneakers', '运动鞋'], ['Skate Shoes', '板鞋']], shoes(['canvas', 'leather', 'mesh'])),
        leaf('Leather Shoes', '皮鞋', 90, [['Oxford Shoes', '牛津鞋'], ['Loafers', '乐福鞋']], shoes(['leather'])),
      ]),
    ],
  },
  {
    key: 'home', en: 'Home & Kitchen', zh: '家居厨房',
    subs: [
      sub('Cookware', '炊具', [
        leaf('Frying Pans', '煎锅', 35, [['Frying Pan', '煎锅'], ['Wok', '炒锅']], { sizes: 'length', materials: ['stainless', 'castIron', 'aluminium'], colours: ['black', 'grey', 'red'] }),
        leaf('Pots', '汤锅', 45, [['Stock Pot', '汤锅'], ['Casserole', '砂锅']], { sizes: 'length', materials: ['stainless', 'castIron', 'ceramic'], colours: HOMEWARE }),
        leaf('Knives', '刀具', 30, [["Chef's Knife", '主厨刀'], ['Knife Set', '刀具套装']], { sizes: 'length', materials: ['stainless'] }),
      ]),
      sub('Bedding', '床上用品', [
        leaf('Duvet Covers', '被套', 45, [['Duvet Cover', '被套'], ['Bedding Set', '四件套']], { sizes: 'bed', materials: ['cotton', 'linen', 'silk', 'bamboo'], colours: HOMEWARE }),
        leaf('Pillows', '枕头', 25, [['Pillow', '枕头'], ['Neck Pillow', '护颈枕']], { sizes: 'pillow', materials: ['memoryFoam', 'down', 'bamboo'] }),
      ]),
      sub('Home Decor', '家居装饰', [
        leaf('Vases', '花瓶', 25, [['Vase', '花瓶'], ['Flower Pot', '花盆']], { sizes: 'length', materials: ['ceramic', 'glass'], colours: HOMEWARE }),
        leaf('Lamps', '灯具', 40, [['Table Lamp', '台灯'], ['Floor Lamp', '落地灯']], { materials: ['oak', 'aluminium', 'ceramic'], colours: HOMEWARE }),
        leaf('Cushions', '抱枕', 18, [['Cushion', '抱枕'], ['Throw Pillow', '靠垫']], { sizes: 'cushion', materials: ['cotton', 'linen', 'wool'], colours: APPAREL }),
      ]),
    ],
  },
  {
    key: 'electronics', en: 'Electronics', zh: '电子产品',
    subs: [
      sub('Phones', '手机', [
        leaf('Smartphones', '智能手机', 450, [['Smartphone', '智能手机'], ['5G Phone', '5G手机']], { sizes: 'capacity', materials: ['aluminium', 'glass'], colours: GADGET }),
        leaf('Phone Cases', '手机壳', 15, [['Phone Case', '手机壳'], ['Wallet Case', '翻盖手机壳']], { materials: ['silicone', 'leather', 'plastic'], colours: ALL_COLOURS }),
        leaf('Chargers', '充电器', 22, [['Charger', '充电器'], ['Power Bank', '充电宝']], { sizes: 'power', materials: ['plastic', 'aluminium'], colours: ['black', 'white'] }),
      ]),
      sub('Computers', '电脑', [
        leaf('Laptops', '笔记本电脑', 900, [['Laptop', '笔记本电脑'], ['Ultrabook', '轻薄本']], { sizes: 'screen', materials: ['aluminium', 'plastic'], colours: GADGET }),
        leaf('Keyboards', '键盘', 60, [['Mechanical Keyboard', '机械键盘'], ['Wireless Keyboard', '无线键盘']], { materials: ['aluminium', 'plastic'], colours: GADGET }),
        leaf('Storage', '存储设备', 70, [['SSD', '固态硬盘'], ['USB Flash Drive', 'U盘']], { sizes: 'capacity', materials: ['aluminium', 'plastic'] }),
      ]),
      sub('Audio', '音频', [
        leaf('Headphones', '耳机', 80, [['Headphones', '头戴式耳机'], ['Earbuds', '蓝牙耳机']], { materials: ['plastic', 'aluminium'], colours: GADGET }),
        leaf('Speakers', '音箱', 60, [['Bluetooth Speaker', '蓝牙音箱'], ['Smart Speaker', '智能音箱']], { materials: ['plastic', 'aluminium'], colours: GADGET }),
      ]),
    ],
  },
  {
    key: 'beauty', en: 'Beauty', zh: '美妆个护',
    subs: [
      sub('Skin Care', '护肤', [
        leaf('Face Care', '面部护理', 30, [['Face Cream', '面霜'], ['Serum', '精华液'], ['Toner', '爽肤水']], { sizes: 'volume', ingredients: ['hyaluronic', 'vitaminC', 'aloe', 'greenTea'] }),
        leaf('Body Care', '身体护理', 15, [['Body Lotion', '身体乳'], ['Hand Cream', '护手霜']], { sizes: 'volume', ingredients: ['aloe', 'argan', 'greenTea'] }),
        leaf('Sun Care', '防晒', 18, [['Sunscreen', '防晒霜'], ['Sun Spray', '防晒喷雾']], { sizes: 'volume', ingredients: ['aloe', 'vitaminC'] }),
      ]),
      sub('Makeup', '彩妆', [
        leaf('Lipstick', '口红', 22, [['Lipstick', '口红'], ['Lip Gloss', '唇彩']], { colours: ['red', 'pink', 'purple', 'brown', 'beige'] }),
        leaf('Eye Makeup', '眼妆', 20, [['Mascara', '睫毛膏'], ['Eyeshadow Palette', '眼影盘']], { colours: ['black', 'brown', 'gold', 'purple'] }),
      ]),
      sub('Hair Care', '洗护发', [
        leaf('Shampoo', '洗发水', 10, [['Shampoo', '洗发水'], ['Conditioner', '护发素']], { sizes: 'volume', ingredients: ['argan', 'aloe', 'greenTea'] }),
        leaf('Hair Dryers', '吹风机', 55, [['Hair Dryer', '吹风机'], ['Hair Straightener', '直发器']], { materials: ['plastic'], colours: ['black', 'white', 'pink', 'gold'] }),
      ]),
    ],
  },
  {
    key: 'sports', en: 'Sports & Outdoors', zh: '运动户外',
    subs: [
      sub('Fitness', '健身', [
        leaf('Yoga Mats', '瑜伽垫', 25, [['Yoga Mat', '瑜伽垫'], ['Exercise Mat', '健身垫']], { sizes: 'thickness', materials: ['rubber', 'tpe'], colours: APPAREL }),
        leaf('Dumbbells', '哑铃', 35, [['Dumbbell', '哑铃'], ['Kettlebell', '壶铃']], { sizes: 'weight', materials: ['castIron', 'rubber'], colours: ['black', 'grey', 'red', 'blue'] }),
      ]),
      sub('Outdoor', '户外', [
        leaf('Tents', '帐篷', 120, [['Tent', '帐篷'], ['Camping Tent', '露营帐篷']], { sizes: 'tent', materials: ['nylon', 'polyester'], colours: ['green', 'olive', 'blue', 'grey', 'yellow'] }),
        leaf('Backpacks', '背包', 60, [['Hiking Backpack', '登山包'], ['Daypack', '双肩包']], { sizes: 'backpack', materials: ['nylon', 'polyester', 'canvas'], colours: APPAREL }),
      ]),
      sub('Cycling', '骑行', [
        leaf('Bike Helmets', '骑行头盔', 45, [['Bike Helmet', '骑行头盔']], { sizes: 'helmet', materials: ['plastic'], colours: APPAREL }),
        leaf('Bike Lights', '自行车灯', 20, [['Bike Light', '自行车灯'], ['Rear Light', '尾灯']], { materials: ['aluminium', 'plastic'], colours: ['black', 'silver'] }),
      ]),
      sub('Sportswear', '运动服', [
        leaf('Running Shoes', '跑鞋', 90, [['Running Shoes', '跑鞋'], ['Trail Shoes', '越野跑鞋']], shoes(['mesh'])),
        leaf('Training Tops', '训练上衣', 25, [['Training Top', '训练上衣'], ['Running Shirt', '跑步T恤']], clothes(['polyester', 'nylon'])),
      ]),
    ],
  },
  {
    key: 'kids', en: 'Toys & Baby', zh: '母婴玩具',
    subs: [
      sub('Toys', '玩具', [
        leaf('Building Blocks', '积木', 30, [['Building Blocks', '积木'], ['Construction Set', '拼装玩具']], { sizes: 'age', materials: ['plastic', 'oak'], colours: ALL_COLOURS }),
        leaf('Plush Toys', '毛绒玩具', 15, [['Plush Toy', '毛绒玩具'], ['Teddy Bear', '泰迪熊']], { sizes: 'age', materials: ['cotton', 'polyester'], colours: APPAREL }),
      ]),
      sub('Baby Care', '婴儿用品', [
        leaf('Diapers', '纸尿裤', 25, [['Diapers', '纸尿裤'], ['Pull-Ups', '拉拉裤']], { sizes: 'diapers', materials: ['cotton'] }),
        leaf('Baby Bottles', '奶瓶', 12, [['Baby Bottle', '奶瓶'], ['Sippy Cup', '学饮杯']], { sizes: 'volume', materials: ['glass', 'silicone', 'plastic'] }),
      ]),
    ],
  },
];

export interface Brand {
  name: string;
  /** Price multiplier against the leaf median: 0.55 (budget) .. 2.4 (luxury). */
  level: number;
  /** The top categories it mostly sells in. */
  focus: readonly TopKey[];
}

const ALL_TOPS: readonly TopKey[] = ['women', 'men', 'home', 'electronics', 'beauty', 'sports', 'kids'];

export const BRANDS: readonly Brand[] = [
  { name: 'Acme', level: 1.0, focus: ['home', 'electronics'] },
  { name: 'Northwind', level: 1.1, focus: ['men', 'women', 'sports'] },
  { name: 'Lumina', level: 1.5, focus: ['beauty'] },
  { name: 'Kestrel', level: 1.3, focus: ['sports'] },
  { name: 'Maple & Oak', level: 1.4, focus: ['home'] },
  { name: 'Hanfeng', level: 0.8, focus: ['women', 'men'] },
  { name: 'Yunshan', level: 1.2, focus: ['sports', 'home'] },
  { name: 'Xiaomu', level: 0.7, focus: ['electronics'] },
  { name: 'Jinghua', level: 1.6, focus: ['beauty', 'women'] },
  { name: 'Voltix', level: 1.1, focus: ['electronics'] },
  { name: 'Orbitron', level: 1.8, focus: ['electronics'] },
  { name: 'Pinecrest', level: 1.0, focus: ['sports'] },
  { name: 'Aurora', level: 1.3, focus: ['beauty'] },
  { name: 'Stellar', level: 2.0, focus: ['women'] },
  { name: 'Urbanite', level: 1.0, focus: ['men', 'women'] },
  { name: 'Basalt', level: 1.2, focus: ['home'] },
  { name: 'Moko', level: 0.75, focus: ['kids'] },
  { name: 'Tidewater', level: 0.9, focus: ['men', 'sports'] },
  { name: 'Fjordline', level: 1.5, focus: ['home', 'men'] },
  { name: 'Sakura Home', level: 0.9, focus: ['home'] },
  { name: 'Velvet Lane', level: 1.7, focus: ['women', 'beauty'] },
  { name: 'Ironbark', level: 1.3, focus: ['sports', 'home'] },
  { name: 'Zephyr', level: 1.0, focus: ['electronics', 'sports'] },
  { name: 'Cobalt Audio', level: 1.6, focus: ['electronics'] },
  { name: 'Nimbus', level: 1.2, focus: ['home', 'kids'] },
  { name: 'Peakform', level: 1.4, focus: ['sports'] },
  { name: 'Little Panda', level: 0.85, focus: ['kids'] },
  { name: 'BlueHarbor', level: 1.0, focus: ['men'] },
  { name: 'Goldleaf', level: 2.2, focus: ['beauty', 'women'] },
  { name: 'Everyday Basics', level: 0.55, focus: ALL_TOPS },
  { name: 'Maison Rivière', level: 2.4, focus: ['women', 'home'] },
];

export interface Adjective extends Words {
  /** Where it makes sense; absent means anywhere. */
  tops?: readonly TopKey[];
}

export const ADJECTIVES: readonly Adjective[] = [
  { en: 'Classic', zh: '经典' },
  { en: 'Premium', zh: '高端' },
  { en: 'Minimalist', zh: '简约' },
  { en: 'Vintage', zh: '复古' },
  { en: 'Lightweight', zh: '轻便' },
  { en: 'Durable', zh: '耐用' },
  { en: 'Eco', zh: '环保' },
  { en: 'Slim-Fit', zh: '修身', tops: ['women', 'men'] },
  { en: 'Oversized', zh: '宽松', tops: ['women', 'men'] },
  { en: 'Elegant', zh: '优雅', tops: ['women', 'home', 'beauty'] },
  { en: 'Cozy', zh: '舒适', tops: ['women', 'men', 'home', 'kids'] },
  { en: 'Breathable', zh: '透气', tops: ['women', 'men', 'sports'] },
  { en: 'Waterproof', zh: '防水', tops: ['sports', 'electronics', 'men'] },
  { en: 'Wireless', zh: '无线', tops: ['electronics'] },
  { en: 'Smart', zh: '智能', tops: ['electronics', 'home'] },
  { en: 'Portable', zh: '便携', tops: ['electronics', 'sports'] },
  { en: 'Professional', zh: '专业', tops: ['electronics', 'beauty', 'sports', 'home'] },
  { en: 'Hydrating', zh: '补水', tops: ['beauty'] },
  { en: 'Gentle', zh: '温和', tops: ['beauty', 'kids'] },
  { en: 'Nonstick', zh: '不粘', tops: ['home'] },
  { en: 'Educational', zh: '益智', tops: ['kids'] },
];

/** Closing sentences for descriptions, in both languages. */
export const SELLING_POINTS: readonly Words[] = [
  { en: 'Free delivery within three working days.', zh: '三个工作日内免费配送。' },
  { en: 'Thirty-day free returns.', zh: '30天无理由退货。' },
  { en: 'Two-year warranty included.', zh: '含两年质保。' },
  { en: 'Loved by thousands of customers.', zh: '深受数千名顾客喜爱。' },
  { en: 'Designed for everyday use.', zh: '专为日常使用设计。' },
  { en: 'Gift wrapping available on request.', zh: '可提供礼品包装。' },
];

/** Countries the shop sells to, with the share of its customers. */
export const COUNTRIES: ReadonlyArray<readonly [string, number]> = [
  ['DE', 0.24], ['FR', 0.14], ['GB', 0.1], ['NL', 0.07], ['ES', 0.07], ['IT', 0.07],
  ['PL', 0.05], ['BE', 0.04], ['AT', 0.04], ['CN', 0.14], ['SG', 0.04],
];
