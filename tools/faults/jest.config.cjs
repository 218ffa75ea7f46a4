module.exports = {
  displayName: 'faults',
  preset: '../../jest.preset.cjs',
  rootDir: __dirname,
};
