module.exports = {
  displayName: 'staging-db',
  preset: '../../../jest.preset.cjs',
  rootDir: __dirname,
};
