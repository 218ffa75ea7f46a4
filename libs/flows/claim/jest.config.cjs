module.exports = {
  displayName: 'flows-claim',
  preset: '../../../jest.preset.cjs',
  rootDir: __dirname,
};
