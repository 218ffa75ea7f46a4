module.exports = {
  displayName: 'mifos-fineract-client',
  preset: '../../../jest.preset.cjs',
  rootDir: __dirname,
};
