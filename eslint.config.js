// One enforced style: typescript-eslint's type-checked rules over every TypeScript file, and
// Prettier for layout (eslint-config-prettier turns off the rules that would fight it).
import js from '@eslint/js';
import comments from '@eslint-community/eslint-plugin-eslint-comments/configs';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// A double assertion throws the type checker away: allowed only where a disable comment says why.
const noDoubleAssertion = {
  selector: 'TSAsExpression > TSAsExpression > TSUnknownKeyword',
  message: '`as unknown as` only with a comment saying why (eslint-disable-next-line no-restricted-syntax -- why).',
};

// The store owns the table's keys (lib/store/keys.ts): outside it, nothing spells a key prefix or
// reads a key attribute, so a change of key design stays inside the store.
const KEY_PREFIX =
  '/(^|#|\\^)(T|USER|ADDR|NUM|CRED|DOMAIN|PROVIDER|PROXYFQDN|POLICY|DIALPLAN|REROUTING|MIGRATION|MIGRATIONREQUEST|DELIVERY|DEADLETTERS|AUDIT|TOMBSTONE|OPERATOR|HEALTH)#/';
const keyKnowledge = [
  { selector: `Literal[value=${KEY_PREFIX}]`, message: 'Key prefixes belong to lib/store/keys.ts.' },
  { selector: `Literal[regex.pattern=${KEY_PREFIX}]`, message: 'Key prefixes belong to lib/store/keys.ts.' },
  { selector: `TemplateElement[value.raw=${KEY_PREFIX}]`, message: 'Key prefixes belong to lib/store/keys.ts.' },
  { selector: 'MemberExpression > Identifier.property[name=/^(pk|sk)$/]', message: 'Key attributes belong to lib/store/.' },
];

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', 'dist/', 'coverage/', '.exum-data/'] },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  comments.recommended,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unnecessary-type-assertion': 'error',
      'no-restricted-syntax': ['error', noDoubleAssertion],
      '@eslint-community/eslint-comments/require-description': ['error', { ignore: [] }],
      '@eslint-community/eslint-comments/disable-enable-pair': ['error', { allowWholeFile: true }],
    },
  },
  {
    // Tests read response bodies as untyped JSON and assert on their shape: a wrong shape fails the
    // assertion, so the no-unsafe-* family adds noise there. Explicit any stays forbidden.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // Test doubles implement async interfaces without anything to await.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['lib/**/*.ts', 'functions/**/*.ts', 'local/**/*.ts', 'cli/**/*.ts'],
    ignores: ['lib/store/**'],
    rules: { 'no-restricted-syntax': ['error', noDoubleAssertion, ...keyKnowledge] },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: { ...globals.node } },
  },
  prettier,
);
