module.exports = {
  displayName: 'flows-payment',
  preset: '../../../jest.preset.cjs',
  rootDir: __dirname,
};
