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
  { files: ['bin/**/*.js'], languageOptions: { globals: { process: 'readonly' } } },
  { files: ['examples/**/*.js'], languageOptions: { globals: { process: 'readonly', console: 'readonly' } } },
  prettier,
);
