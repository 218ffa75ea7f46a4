module.exports = {
  displayName: 'openhim-mediator',
  preset: '../../../jest.preset.cjs',
  rootDir: __dirname,
};
