module.exports = {
  displayName: 'flows-insuree',
  preset: '../../../jest.preset.cjs',
  rootDir: __dirname,
};
