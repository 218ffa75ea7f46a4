module.exports = {
  displayName: 'mifos-fineract-params',
  preset: '../../../jest.preset.cjs',
  rootDir: __dirname,
};
