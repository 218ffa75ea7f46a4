module.exports = {
  displayName: 'flows-runtime',
  preset: '../../../jest.preset.cjs',
  rootDir: __dirname,
};
