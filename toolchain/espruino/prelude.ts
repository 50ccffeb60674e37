/**
 * The prelude of an Espruino bundle: small ES5 stand-ins for the built-ins
 * Espruino lacks (measured on 2v29: Map, Set, RangeError, Math.imul,
 * Number.isInteger, Array.from, Object.freeze, Uint8Array copyWithin,
 * Promise.race and finally …) and the plain error base class that
 * `extends Error` is lowered to. Only the pieces a bundle refers to are
 * put in front of it: each costs Espruino variables at load.
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
  {
    name: 'Math.imul',
    needed: /\bMath\.imul\b/,
    source: `if(!Math.imul)Math.imul=function(a,b){var al=a&65535,bl=b&65535;return(al*bl+((((a>>>16)*bl+al*(b>>>16))&65535)<<16))|0;};`,
  },
  {
    name: 'Math.clz32',
    needed: /\bMath\.clz32\b/,
    source: `if(!Math.clz32)Math.clz32=function(x){x=x>>>0;if(x===0)return 32;var n=0;while((x&0x80000000)===0){x=(x<<1)>>>0;n++;}return n;};`,
  },
  {
    name: 'Math.trunc',
    needed: /\bMath\.trunc\b/,
    source: `if(!Math.trunc)Math.trunc=function(x){return x<0?Math.ceil(x):Math.floor(x);};`,
  },
  {
    name: 'Number.isInteger',
    needed: /\bNumber\.isInteger\b/,
    source: `if(!Number.isInteger)Number.isInteger=function(x){return typeof x==='number'&&isFinite(x)&&Math.floor(x)===x;};`,
  },
  {
    name: 'Number.isFinite',
    needed: /\bNumber\.isFinite\b/,
    source: `if(!Number.isFinite)Number.isFinite=function(x){return typeof x==='number'&&isFinite(x);};`,
  },
  {
    name: 'Number.isNaN',
    needed: /\bNumber\.isNaN\b/,
    source: `if(!Number.isNaN)Number.isNaN=function(x){return x!==x;};`,
  },
  {
    name: 'Array.from',
    needed: /\bArray\.from\b/,
    // Array-likes (arrays, typed arrays, strings) and the Map/Set stand-ins.
    source: `if(!Array.from)Array.from=function(a,f,self){if(a&&a['@@iterator']){var it=a['@@iterator'](),step,list=[];while(!(step=it.next()).done)list.push(step.value);a=list;}var out=[];for(var i=0;i<a.length;i++)out.push(f?f.call(self,a[i],i):a[i]);return out;};`,
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
  {
    name: 'Promise.race',
    needed: /\bPromise\.race\b/,
    source: `if(!Promise.race)Promise.race=function(list){return new Promise(function(resolve,reject){for(var i=0;i<list.length;i++)Promise.resolve(list[i]).then(resolve,reject);});};`,
  },
  {
    name: 'Promise.allSettled',
    needed: /\bPromise\.allSettled\b/,
    source: `if(!Promise.allSettled)Promise.allSettled=function(list){return Promise.all(list.map(function(p){return Promise.resolve(p).then(function(value){return{status:'fulfilled',value:value};},function(reason){return{status:'rejected',reason:reason};});}));};`,
  },
  {
    name: 'Promise.prototype.finally',
    needed: /\.finally\b/,
    source: `if(!Promise.prototype.finally)Promise.prototype.finally=function(f){return this.then(function(value){return Promise.resolve(f()).then(function(){return value;});},function(reason){return Promise.resolve(f()).then(function(){throw reason;});});};`,
  },
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
  const pieces = PRELUDE.filter((piece) => piece.needed.test(bare));
  return { source: pieces.map((piece) => piece.source).join('\n'), names: pieces.map((piece) => piece.name) };
}
