// The tree's dependency rules (docs/architecture.md), checked by `npm run lint` so that they are
// enforced rather than remembered. Each top-level folder serves one audience: lib/ is the service,
// functions/ its Lambda entry points and their wiring, local/ the host that plays AWS for
// `npm start`, cli/ the exumctl client, cdk/ the infrastructure.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-folder-cycle',
      severity: 'error',
      comment: 'Two folders that import each other are one idea split in two, or two ideas tangled: neither reads alone.',
      scope: 'folder',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-module-cycle',
      severity: 'error',
      comment: 'A module cycle makes load order matter and every module on it a dependency of the others.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'lib-stays-the-service',
      severity: 'error',
      comment:
        'lib/ is the service: it never imports its hosts (functions/, local/), the client (cli/), the infrastructure, the bench or the tests.',
      from: { path: '^lib/' },
      to: { path: '^(functions|local|cli|cdk|bench|test|bin)/' },
    },
    {
      name: 'functions-stay-lambda',
      severity: 'error',
      comment: 'A Lambda entry point bundles what it imports: never the local runtime or the client.',
      from: { path: '^functions/' },
      to: { path: '^(local|cli)/' },
    },
    {
      name: 'cli-only-calls-the-api',
      severity: 'error',
      comment: 'exumctl talks to the service over HTTP: it shares lib/ schemas and types, never a host or its wiring.',
      from: { path: '^cli/' },
      to: { path: '^(functions|local)/' },
    },
    {
      name: 'local-hosts-the-functions',
      severity: 'error',
      comment: 'local/ runs the same handlers as the Lambda functions, through their wiring; it never uses the client.',
      from: { path: '^local/' },
      to: { path: '^cli/' },
    },
    {
      name: 'console-talks-http-only',
      severity: 'error',
      comment:
        'The console is a browser app: it reaches the service through its generated client (console/src/api), never by importing service or host code.',
      from: { path: '^console/' },
      to: { path: '^(lib|functions|local|cli|cdk|bench|test|bin)/' },
    },
    {
      name: 'nothing-imports-the-console',
      severity: 'error',
      comment: 'The console is built by Vite and served as files; no other audience imports its code.',
      from: { pathNot: '^console/' },
      to: { path: '^console/' },
    },
    {
      name: 'only-the-store-talks-to-dynamodb',
      severity: 'error',
      comment:
        'lib/store/ is the only module that talks to DynamoDB. local/ starts DynamoDB Local and plays the stream event source mapping; the bench and tests are not the service.',
      from: { pathNot: ['^lib/store/', '^local/(dynamodb-local|stream-driver)\\.ts$', '^(bench|test)/'] },
      to: { path: '^node_modules/@aws-sdk/(client-dynamodb|client-dynamodb-streams|util-dynamodb|lib-dynamodb)/' },
    },
    {
      name: 'cdk-builds-from-lib-only',
      severity: 'error',
      comment: 'The stacks read definitions from lib/ (table, route table, bounds); they never import a host or the client.',
      from: { path: '^cdk/' },
      to: { path: '^(local|cli|bench|test)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports are dependencies of the reader too: they count.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
