// Mermaid as the diagram component imports it (config.ts aliases `mermaid` here). On load, Mermaid renders
// every `.mermaid` element from its text unless told not to; on a page that has not cached Mermaid yet the
// load event comes before the component configures it, so each diagram drew Mermaid's "Syntax error" graphic
// first, and kept it when that render finished last. Automatic rendering is turned off as the module loads.
import mermaid from 'mermaid/dist/mermaid.core.mjs';

mermaid.startOnLoad = false;

export default mermaid;
