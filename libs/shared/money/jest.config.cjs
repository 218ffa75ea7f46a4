module.exports = {
  displayName: 'shared-money',
  preset: '../../../jest.preset.cjs',
  rootDir: __dirname,
};
