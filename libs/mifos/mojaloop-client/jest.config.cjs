module.exports = {
  displayName: 'mifos-mojaloop-client',
  preset: '../../../jest.preset.cjs',
  rootDir: __dirname,
};
