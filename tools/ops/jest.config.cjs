module.exports = {
  displayName: 'ops',
  preset: '../../jest.preset.cjs',
  rootDir: __dirname,
};
