/**
 * The prelude of an Espruino bundle: small ES5 stand-ins for the built-ins
 * Espruino lacks (measured on 2v29: Map, Set, RangeError, Math.imul,
 * Number.isInteger, Array.from, Object.freeze, Uint8Array copyWithin,
 * Promise.race and finally, the arrays' and strings' at(), findLast(),
 * flat(), trimStart() … ) and the plain error base class that
 * `extends Error` is lowered to. Only the pieces a bundle refers to are
 * put in front of it: each costs Espruino variables at load.
 *
 * A method is checked on a value, not on its prototype: Espruino's
 * built-in prototypes read as empty (`String.prototype.charCodeAt` is
 * undefined) though every string has the method.
 *
 * Never: replace a built-in the engine has (every piece checks first);
 * use syntax Espruino does not parse (this text is not lowered); declare a
 * function (the prelude runs after the bundle's hoisted declarations); count
 * a name inside a string as a use.
 */
import { parseSync, traverse } from '@babel/core';

/** One stand-in: what it provides, how a bundle shows it needs it, its ES5 source. */
export interface PreludePiece {
  /** What it provides, e.g. "Map". */
  name: string;
  /** Matches the lowered bundle when the piece is needed. */
  needed: RegExp;
  /** ES5 source. */
  source: string;
}

/** Name of the error base class `extends Error` is lowered to (see babel-espruino.ts). */
export const ERROR_BASE = '__chipwebError';

/**
 * The globals the prelude's pieces declare (`var X = …` at the top level):
 * a top-level name of the bundle must not take one (lower.ts renames it).
 */
export const PRELUDE_GLOBALS: readonly string[] = [
  'Map',
  'Set',
  'RangeError',
  ERROR_BASE,
  '__chipwebIterator',
  '__chipwebSpread',
  '__chipwebSplit',
  '__chipwebToFixed',
  'encodeURI',
  'decodeURI',
];

const errorBase = `var ${ERROR_BASE}=function(message){this.message=message===undefined?'':''+message;};
${ERROR_BASE}.prototype=Object.create(Error.prototype);
${ERROR_BASE}.prototype.constructor=${ERROR_BASE};
${ERROR_BASE}.prototype.name='Error';
${ERROR_BASE}.prototype.toString=function(){return this.message?this.name+': '+this.message:this.name;};`;

/** Every stand-in, in the order they are emitted (the error base first: RangeError uses it). */
export const PRELUDE: readonly PreludePiece[] = [
  { name: ERROR_BASE, needed: /\b(__chipwebError|RangeError)\b/, source: errorBase },
  {
    name: 'RangeError',
    needed: /\bRangeError\b/,
    source: `if(typeof RangeError==='undefined'){var RangeError=function(message){${ERROR_BASE}.call(this,message);};
RangeError.prototype=Object.create(${ERROR_BASE}.prototype);RangeError.prototype.constructor=RangeError;RangeError.prototype.name='RangeError';}`,
  },
  {
    name: '__chipwebIterator',
    needed: /\b(Map|Set)\b/,
    // An array that is also an iterator: keys(), values() and entries() give one.
    source: `var __chipwebIterator=function(list){var i=0;list.next=function(){return i<list.length?{done:false,value:list[i++]}:{done:true,value:undefined};};return list;};`,
  },
  {
    name: 'Map',
    needed: /\bMap\b/,
    // Keys compared with ===; keys(), values() and entries() give arrays that are also iterators;
    // for-of and Array.from see the entries through '@@iterator', which Babel's loose helpers ask for.
    source: `if(typeof Map==='undefined'){var Map=function(entries){this.k=[];this.v=[];this.size=0;
if(entries)for(var i=0;i<entries.length;i++)this.set(entries[i][0],entries[i][1]);};
Map.prototype.get=function(key){var i=this.k.indexOf(key);return i<0?undefined:this.v[i];};
Map.prototype.has=function(key){return this.k.indexOf(key)>=0;};
Map.prototype.set=function(key,value){var i=this.k.indexOf(key);if(i<0){this.k.push(key);this.v.push(value);this.size++;}else this.v[i]=value;return this;};
Map.prototype['delete']=function(key){var i=this.k.indexOf(key);if(i<0)return false;this.k.splice(i,1);this.v.splice(i,1);this.size--;return true;};
Map.prototype.clear=function(){this.k=[];this.v=[];this.size=0;};
Map.prototype.forEach=function(f,self){for(var i=0;i<this.k.length;i++)f.call(self,this.v[i],this.k[i],this);};
Map.prototype.keys=function(){return __chipwebIterator(this.k.slice());};
Map.prototype.values=function(){return __chipwebIterator(this.v.slice());};
Map.prototype.entries=function(){var out=[];for(var i=0;i<this.k.length;i++)out.push([this.k[i],this.v[i]]);return __chipwebIterator(out);};
Map.prototype['@@iterator']=function(){return __chipwebIterator(this.entries());};}`,
  },
  {
    name: 'Set',
    needed: /\bSet\b/,
    source: `if(typeof Set==='undefined'){var Set=function(values){this.v=[];this.size=0;if(values)for(var i=0;i<values.length;i++)this.add(values[i]);};
Set.prototype.has=function(value){return this.v.indexOf(value)>=0;};
Set.prototype.add=function(value){if(this.v.indexOf(value)<0){this.v.push(value);this.size++;}return this;};
Set.prototype['delete']=function(value){var i=this.v.indexOf(value);if(i<0)return false;this.v.splice(i,1);this.size--;return true;};
Set.prototype.clear=function(){this.v=[];this.size=0;};
Set.prototype.forEach=function(f,self){for(var i=0;i<this.v.length;i++)f.call(self,this.v[i],this.v[i],this);};
Set.prototype.values=Set.prototype.keys=function(){return __chipwebIterator(this.v.slice());};
Set.prototype['@@iterator']=function(){return __chipwebIterator(this.v.slice());};}`,
  },
  member(
    'Math',
    'imul',
    'function(a,b){var al=a&65535,bl=b&65535;return(al*bl+((((a>>>16)*bl+al*(b>>>16))&65535)<<16))|0;}',
  ),
  member(
    'Math',
    'clz32',
    'function(x){x=x>>>0;if(x===0)return 32;var n=0;while((x&0x80000000)===0){x=(x<<1)>>>0;n++;}return n;}',
  ),
  member('Math', 'trunc', 'function(x){return x<0?Math.ceil(x):Math.floor(x);}'),
  member('Number', 'isInteger', "function(x){return typeof x==='number'&&isFinite(x)&&Math.floor(x)===x;}"),
  member('Number', 'isFinite', "function(x){return typeof x==='number'&&isFinite(x);}"),
  member('Number', 'isNaN', 'function(x){return x!==x;}'),
  {
    name: 'Array.from',
    needed: /\b(Array\.from|__chipwebSpread)\b/,
    // Array-likes (arrays, typed arrays, strings) by index; the Map/Set stand-ins through '@@iterator'
    // (only asked of what has no length: Espruino throws reading a field a typed array or string lacks).
    source: `if(!Array.from)Array.from=function(a,f,self){if(a&&a.length===undefined&&a['@@iterator']){var it=a['@@iterator'](),step,list=[];while(!(step=it.next()).done)list.push(step.value);a=list;}var out=[];for(var i=0;i<a.length;i++)out.push(f?f.call(self,a[i],i):a[i]);return out;};`,
  },
  {
    name: '__chipwebSpread',
    needed: /\b__chipwebSpread\b/,
    // What loose spread and array destructuring take as an array (babel-espruino.ts): arrays as they are, but
    // not the arrays that are their own iterators (keys(), entries() …): Espruino's concat copies their next().
    source: `var __chipwebSpread=function(x){return Array.isArray(x)&&x.next===undefined?x:Array.from(x);};`,
  },
  {
    name: 'encodeURI',
    needed: /\bencodeURI\b/,
    // encodeURIComponent, then the characters a URI keeps (reserved, and '#') back as they were. No regular
    // expression: Espruino's gives wrong spans when an alternative fails after matching a character.
    source: `if(typeof encodeURI==='undefined'){var encodeURI=function(s){var r=encodeURIComponent(s),k='#$&+,/:;=?@';for(var i=0;i<k.length;i++)r=r.split(encodeURIComponent(k[i])).join(k[i]);return r;};}`,
  },
  {
    name: 'decodeURI',
    needed: /\bdecodeURI\b/,
    // decodeURIComponent, leaving the escapes of the characters a URI keeps as they are (in either case).
    source: `if(typeof decodeURI==='undefined'){var decodeURI=function(s){var k='#$&+,/:;=?@';for(var i=0;i<k.length;i++){var e=encodeURIComponent(k[i]);s=s.split(e).join('%25'+e.substr(1)).split(e.toLowerCase()).join('%25'+e.substr(1).toLowerCase());}return decodeURIComponent(s);};}`,
  },
  {
    name: 'Math.round',
    needed: /\bMath\.round\b/,
    // Espruino's rounds a negative half away from zero (-2.5 to -3) and 0.49999999999999994 up; ECMAScript rounds
    // toward +Infinity from the floor.
    source: `if(Math.round(-2.5)!==-2){Math.round=function(x){var r=Math.floor(x);return x-r>=0.5?r+1:r;};}`,
  },
  {
    name: 'String.prototype.split',
    needed: /\.split\([^()]*,/,
    // Espruino's split ignores a limit: the native split, then the first `limit` pieces.
    source: `if('a-b'.split('-',1).length!==1){var __chipwebSplit=''.split;String.prototype.split=function(separator,limit){var r=__chipwebSplit.call(this,separator);return limit===undefined?r:r.slice(0,limit>>>0);};}`,
  },
  {
    name: 'Number.prototype.toFixed',
    needed: /\.toFixed\(/,
    // Espruino's rounds its own way ((2.5).toFixed(0) is "2", (1.45).toFixed(1) "1.5"). This one rounds the
    // double's exact value, as ECMAScript says: x * 10^digits with its exact error (Dekker's product with
    // Veltkamp's split) decides what a tie hid; the digits are made one by one (Espruino prints 12 of them).
    // Past 2^53 (or 20 digits, or 1e21) it leaves the number to Espruino's own.
    source: `if((2.5).toFixed(0)!=='3'||(1.45).toFixed(1)!=='1.4'){var __chipwebToFixed=(0).toFixed;Number.prototype.toFixed=function(digits){var x=+this,f=digits===undefined?0:Math.floor(digits);if(x!==x)return'NaN';var a=x<0?-x:x;if(f<0||f>20||a>=1e21)return __chipwebToFixed.call(x,f);var P=Math.pow(10,f),p=a*P;if(p>=9007199254740992)return __chipwebToFixed.call(x,f);var c=134217729*a,ah=c-(c-a),al=a-ah;c=134217729*P;var ph=c-(c-P),pl=P-ph;var e=((ah*ph-p)+ah*pl+al*ph)+al*pl;var n=Math.floor(p),frac=p-n;if(frac>0.5||(frac===0.5&&e>=0))n+=1;var s='';do{var d=n%10;s=d+s;n=(n-d)/10;}while(n>0);if(f>0){while(s.length<=f)s='0'+s;s=s.substr(0,s.length-f)+'.'+s.substr(s.length-f);}return(x<0?'-':'')+s;};}`,
  },
  {
    name: 'Array.prototype.sort',
    needed: /\.sort\(/,
    // Espruino's sort is not stable (ECMAScript's is since 2019): when a quick check finds so, a merge sort
    // (stable; no comparator sorts as strings, undefined last) takes its place for arrays.
    source: `if((function(){var a=[];for(var i=0;i<12;i++)a.push({k:i%3,i:i});a.sort(function(x,y){return x.k-y.k;});for(var j=1;j<12;j++)if(a[j-1].k===a[j].k&&a[j-1].i>a[j].i)return true;return false;})()){Array.prototype.sort=function(cmp){var n=this.length;if(n<2)return this;var c=cmp||function(a,b){if(a===undefined)return b===undefined?0:1;if(b===undefined)return -1;a=String(a);b=String(b);return a<b?-1:a>b?1:0;};var src=this.slice(),tmp=new Array(n);for(var w=1;w<n;w*=2){for(var lo=0;lo<n;lo+=2*w){var mid=Math.min(lo+w,n),hi=Math.min(lo+2*w,n),i=lo,j=mid,k=lo;while(i<mid&&j<hi)tmp[k++]=c(src[j],src[i])<0?src[j++]:src[i++];while(i<mid)tmp[k++]=src[i++];while(j<hi)tmp[k++]=src[j++];}var t=src;src=tmp;tmp=t;}for(var q=0;q<n;q++)this[q]=src[q];return this;};}`,
  },
  {
    name: 'Object.freeze',
    needed: /\bObject\.(freeze|isFrozen)\b/,
    // Espruino cannot freeze: the object stays as it is.
    source: `if(!Object.freeze){Object.freeze=function(o){return o;};Object.isFrozen=function(){return false;};}`,
  },
  {
    name: 'copyWithin',
    needed: /\.copyWithin\b/,
    // set() with an overlapping subarray is safe on Espruino.
    source: `if(!Uint8Array.prototype.copyWithin)Uint8Array.prototype.copyWithin=function(target,start,end){if(end===undefined)end=this.length;if(end>start)this.set(this.subarray(start,end),target);return this;};`,
  },
  member(
    'Promise',
    'race',
    'function(list){return new Promise(function(resolve,reject){for(var i=0;i<list.length;i++)Promise.resolve(list[i]).then(resolve,reject);});}',
  ),
  member(
    'Promise',
    'allSettled',
    "function(list){return Promise.all(list.map(function(p){return Promise.resolve(p).then(function(value){return{status:'fulfilled',value:value};},function(reason){return{status:'rejected',reason:reason};});}));}",
  ),
  {
    name: 'Promise.prototype.finally',
    needed: /\.finally\b/,
    source: `if(!Promise.prototype.finally)Promise.prototype.finally=function(f){return this.then(function(value){return Promise.resolve(f()).then(function(){return value;});},function(reason){return Promise.resolve(f()).then(function(){throw reason;});});};`,
  },
];

/** ToIntegerOrInfinity of an index argument, as at() takes it (ES5 source). */
const INDEX = 'i=+i;i=i!==i?0:i<0?Math.ceil(i):Math.floor(i);if(i<0)i+=this.length;';

/** A method that arrays, strings or typed arrays lack on Espruino: `owner` is the prototype, `sample` a value that would have it. */
function method(name: string, owner: string, sample: string, source: string): PreludePiece {
  return {
    name: `${owner}.prototype.${name}`,
    needed: new RegExp(`\\.${name}\\(`),
    source: `if(!(${sample}).${name})${owner}.prototype.${name}=${source};`,
  };
}

/**
 * An array method Espruino lacks that gives an iterator: an array of the
 * items that is its own iterator too (for-of and Array.from index it).
 * Object.keys, .entries and .values are Espruino's own and do not count.
 */
function arrayIterator(name: string, item: string): PreludePiece {
  return {
    name: `Array.prototype.${name}`,
    needed: new RegExp(`(?<!\\bObject)\\.${name}\\(`),
    source: `if(![].${name})Array.prototype.${name}=function(){var out=[],n=0;for(var i=0;i<this.length;i++)out.push(${item});out.next=function(){return n<out.length?{done:false,value:out[n++]}:{done:true,value:undefined};};return out;};`,
  };
}

/** A static function or constant a built-in object lacks on Espruino. */
function member(owner: string, name: string, source: string): PreludePiece {
  return {
    name: `${owner}.${name}`,
    needed: new RegExp(`\\b${owner}\\.${name}\\b`),
    source: `if(${owner}.${name}===undefined)${owner}.${name}=${source};`,
  };
}

const AT = `function(i){${INDEX}return i<0||i>=this.length?undefined:this[i];}`;
const LAST_INDEX_OF =
  'function(x,from){var i=from===undefined?this.length-1:from<0?this.length+from:Math.min(from,this.length-1);for(;i>=0;i--)if(this[i]===x)return i;return -1;}';

/** The methods and members beyond PRELUDE's first pieces: what handlers commonly use of ES2015 to ES2022. */
export const METHODS: readonly PreludePiece[] = [
  method('at', 'Array', '[]', AT),
  method('at', 'String', "''", `function(i){${INDEX}return i<0||i>=this.length?undefined:this.charAt(i);}`),
  method('at', 'Uint8Array', 'new Uint8Array(0)', AT),
  method('lastIndexOf', 'Array', '[]', LAST_INDEX_OF),
  arrayIterator('entries', '[i,this[i]]'),
  arrayIterator('keys', 'i'),
  arrayIterator('values', 'this[i]'),
  method(
    'findLast',
    'Array',
    '[]',
    'function(f,self){for(var i=this.length-1;i>=0;i--)if(f.call(self,this[i],i,this))return this[i];return undefined;}',
  ),
  method(
    'findLastIndex',
    'Array',
    '[]',
    'function(f,self){for(var i=this.length-1;i>=0;i--)if(f.call(self,this[i],i,this))return i;return -1;}',
  ),
  method(
    'flat',
    'Array',
    '[]',
    'function(depth){var out=[];(function add(a,d){for(var i=0;i<a.length;i++){if(Array.isArray(a[i])&&d>0)add(a[i],d-1);else out.push(a[i]);}})(this,depth===undefined?1:depth);return out;}',
  ),
  method(
    'flatMap',
    'Array',
    '[]',
    'function(f,self){var out=[];for(var i=0;i<this.length;i++){var v=f.call(self,this[i],i,this);if(Array.isArray(v))for(var j=0;j<v.length;j++)out.push(v[j]);else out.push(v);}return out;}',
  ),
  // One declared parameter: Espruino's arguments.length is never below the declared count.
  method(
    'reduceRight',
    'Array',
    '[]',
    "function(f){var i=this.length-1,acc=arguments[1];if(arguments.length<2){if(i<0)throw new TypeError('reduceRight of empty array with no initial value');acc=this[i--];}for(;i>=0;i--)acc=f(acc,this[i],i,this);return acc;}",
  ),
  method('trimStart', 'String', "''", "function(){return this.replace(/^\\s+/,'');}"),
  method('trimEnd', 'String', "''", "function(){return this.replace(/\\s+$/,'');}"),
  method(
    'codePointAt',
    'String',
    "''",
    'function(i){var c=this.charCodeAt(i);if(c>=55296&&c<=56319){var d=this.charCodeAt(i+1);if(d>=56320&&d<=57343)return(c-55296)*1024+d-56320+65536;}return c!==c?undefined:c;}',
  ),
  member('Object', 'is', 'function(a,b){return a===b?a!==0||1/a===1/b:a!==a&&b!==b;}'),
  member('Number', 'parseInt', 'parseInt'),
  member('Number', 'parseFloat', 'parseFloat'),
  member(
    'Number',
    'isSafeInteger',
    "function(x){return typeof x==='number'&&isFinite(x)&&Math.floor(x)===x&&Math.abs(x)<=9007199254740991;}",
  ),
  member('Number', 'EPSILON', 'Math.pow(2,-52)'),
  member('Number', 'MAX_SAFE_INTEGER', '9007199254740991'),
  member('Number', 'MIN_SAFE_INTEGER', '-9007199254740991'),
  member('Math', 'log2', 'function(x){var r=Math.log(x)/Math.LN2,n=Math.round(r);return Math.pow(2,n)===x?n:r;}'),
  member('Math', 'log10', 'function(x){var r=Math.log(x)/Math.LN10,n=Math.round(r);return Math.pow(10,n)===x?n:r;}'),
  member(
    'Math',
    'hypot',
    'function(){var s=0;for(var i=0;i<arguments.length;i++){var v=+arguments[i];s+=v*v;}return Math.sqrt(s);}',
  ),
  member(
    'Math',
    'cbrt',
    'function(x){var r=x<0?-Math.pow(-x,1/3):Math.pow(x,1/3),n=Math.round(r);return n*n*n===x?n:r;}',
  ),
  member('Array', 'of', 'function(){return [].slice.call(arguments);}'),
  member(
    'String',
    'fromCodePoint',
    "function(){var s='';for(var i=0;i<arguments.length;i++){var c=arguments[i];if(c>65535){c-=65536;s+=String.fromCharCode(55296+(c>>10),56320+(c&1023));}else s+=String.fromCharCode(c);}return s;}",
  ),
  // Days from the civil date (proleptic Gregorian), then milliseconds; years 0 to 99 are 1900 to 1999, as in ECMAScript.
  member(
    'Date',
    'UTC',
    'function(y,m,d,h,mi,s,ms){y=+y;m=m===undefined?0:+m;if(y>=0&&y<=99)y+=1900;y+=Math.floor(m/12);m-=Math.floor(m/12)*12;if(m<2)y--;var era=Math.floor(y/400),yoe=y-era*400,doy=Math.floor((153*(m>1?m-2:m+10)+2)/5)+(d===undefined?1:+d)-1,days=era*146097+yoe*365+Math.floor(yoe/4)-Math.floor(yoe/100)+doy-719468;return((days*24+(+h||0))*60+(+mi||0))*60000+(+s||0)*1000+(+ms||0);}',
  ),
  // One declared parameter: Espruino's arguments.length is never below the declared count.
  member(
    'String',
    'raw',
    "function(s){var out='';for(var i=0;i<s.raw.length;i++){out+=s.raw[i];if(i+1<s.raw.length&&i+1<arguments.length)out+=arguments[i+1];}return out;}",
  ),
  member(
    'Promise',
    'any',
    "function(list){return new Promise(function(resolve,reject){var n=list.length,errors=[];var none=function(){var e=new Error('All promises were rejected');e.errors=errors;reject(e);};if(n===0)none();for(var i=0;i<list.length;i++)(function(i){Promise.resolve(list[i]).then(resolve,function(e){errors[i]=e;if(--n===0)none();});})(i);});}",
  ),
];

/**
 * `code` with the text of its string literals and template pieces blanked
 * (same length): a name in a string ('"Map"' in Babel's iteration helper)
 * is not a use of the built-in.
 */
export function withoutStrings(code: string): string {
  const ast = parseSync(code, { babelrc: false, configFile: false, sourceType: 'script' });
  if (!ast) return code;
  const ranges: [number, number][] = [];
  traverse(ast, {
    StringLiteral(path) {
      const { start, end } = path.node;
      if (start != null && end != null && end - start > 2) ranges.push([start + 1, end - 1]);
    },
    TemplateElement(path) {
      const { start, end } = path.node;
      if (start != null && end != null && end > start) ranges.push([start, end]);
    },
  });
  let out = '';
  let at = 0;
  for (const [from, to] of ranges.sort((a, b) => a[0] - b[0])) {
    if (from < at) continue;
    out += code.slice(at, from) + ' '.repeat(to - from);
    at = to;
  }
  return out + code.slice(at);
}

/** The prelude `code` needs (its pieces' sources joined), and their names; names in strings do not count. */
export function preludeFor(code: string): { source: string; names: string[] } {
  const bare = withoutStrings(code);
  const pieces = PRELUDE.concat(METHODS).filter((piece) => piece.needed.test(bare));
  return { source: pieces.map((piece) => piece.source).join('\n'), names: pieces.map((piece) => piece.name) };
}
