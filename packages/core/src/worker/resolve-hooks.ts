// Module resolution hooks for a worker process (registered by bootstrap.ts, only when needed): a worker module
// that imports `@pool/core` but lives where no copy of it can be found — an app run by a globally installed
// `pool`, which never installed @pool/core itself — gets the copy that runs it (this package, which can import
// itself by its name). An app that has its own copy keeps it: the hook acts only once the usual resolution failed.
interface ResolveContext {
  parentURL?: string;
  conditions: string[];
}
type NextResolve = (specifier: string, context?: ResolveContext) => Promise<{ url: string }>;

export async function resolve(specifier: string, context: ResolveContext, nextResolve: NextResolve): Promise<{ url: string }> {
  try {
    return await nextResolve(specifier, context);
  } catch (error) {
    if ((error as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND' || !/^@pool\/core(\/|$)/.test(specifier)) throw error;
    return nextResolve(specifier, { ...context, parentURL: import.meta.url });
  }
}
