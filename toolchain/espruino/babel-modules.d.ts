/**
 * Types for the Babel plugins the Espruino lowering loads that ship
 * none: Babel takes them as plugin/preset values, nothing more is used.
 *
 * Never: describe more of them than lower.ts uses.
 */
declare module '@babel/preset-env' {
  import type { PluginItem } from '@babel/core';
  const preset: PluginItem;
  export default preset;
}

declare module 'babel-plugin-transform-async-to-promises' {
  import type { PluginItem } from '@babel/core';
  const plugin: PluginItem;
  export default plugin;
}

declare module '@babel/plugin-transform-block-scoping' {
  import type { PluginItem } from '@babel/core';
  const plugin: PluginItem;
  export default plugin;
}
