// Module resolve hook for @ltonetwork/lto 0.16.15 under plain Node.js.
//
// The package ships TypeScript output as ES modules whose relative imports have no file
// extension ("./LTO", "./accounts"), and its package.json has no "type": "module". Bundlers
// accept that; Node's ESM loader does not (ERR_MODULE_NOT_FOUND). This hook, registered by
// the scripts with module.register(), retries such relative imports from inside the package
// with ".js" and "/index.js", and loads the package's .js files as ES modules. Nothing else
// is touched.
const LIB = '/node_modules/@ltonetwork/lto/lib/';
const RETRY = new Set(['ERR_MODULE_NOT_FOUND', 'ERR_UNSUPPORTED_DIR_IMPORT']);

export async function resolve(specifier, context, nextResolve) {
  const relative = specifier.startsWith('./') || specifier.startsWith('../');
  if (relative && context.parentURL && context.parentURL.includes(LIB)) {
    let lastError;
    for (const suffix of ['', '.js', '/index.js']) {
      try {
        return await nextResolve(specifier + suffix, context);
      } catch (e) {
        if (!RETRY.has(e?.code)) throw e;
        lastError = e;
      }
    }
    throw lastError;
  }
  return nextResolve(specifier, context);
}

export async function load(url, context, nextLoad) {
  if (url.includes(LIB) && url.endsWith('.js')) {
    return nextLoad(url, { ...context, format: 'module' });
  }
  return nextLoad(url, context);
}
