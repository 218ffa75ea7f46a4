module.exports = {
  displayName: 'mapping-dsl',
  preset: '../../../jest.preset.cjs',
  rootDir: __dirname,
};
