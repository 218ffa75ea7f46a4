module.exports = {
  displayName: 'flows-invoice',
  preset: '../../../jest.preset.cjs',
  rootDir: __dirname,
};
