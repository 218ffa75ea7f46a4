module.exports = {
  displayName: 'invoice-mediator',
  preset: '../../jest.preset.cjs',
  rootDir: __dirname,
};
