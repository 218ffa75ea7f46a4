module.exports = {
  displayName: 'claim-mediator',
  preset: '../../jest.preset.cjs',
  rootDir: __dirname,
};
