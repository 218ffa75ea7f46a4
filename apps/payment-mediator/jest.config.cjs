module.exports = {
  displayName: 'payment-mediator',
  preset: '../../jest.preset.cjs',
  rootDir: __dirname,
};
