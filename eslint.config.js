import js from '@eslint/js';
import tseslint from 'typescript-eslint';
// Last: turns off the rules that disagree with prettier, which owns the layout (`npm run format`).
import prettier from 'eslint-config-prettier';

export default tseslint.config(
  { ignores: ['node_modules/', '.tools/', 'dist/', 'dist-ui/', '.pkgtest-*/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: {
      // V8 allocates a function written straight into a property (`obj.f = () => …`) in the old generation, taking it
      // for a method. Made per request, such a function, once dead, kept its closure's objects (the whole request)
      // alive through every young collection until a full one (bench/README.md, "What is promoted at agents' sizes").
      'no-restricted-syntax': [
        'error',
        {
          selector:
            "AssignmentExpression[left.type='MemberExpression'] > :matches(ArrowFunctionExpression, FunctionExpression).right",
          message:
            'Bind the function to a const first, then store it: V8 allocates a function literal assigned to a property in the old generation (docs/architecture.md#hot-path-choices).',
        },
      ],
    },
  },
  { files: ['bin/**/*.js'], languageOptions: { globals: { process: 'readonly' } } },
  { files: ['examples/**/*.js'], languageOptions: { globals: { process: 'readonly', console: 'readonly' } } },
  prettier,
);
