module.exports = {
  displayName: 'flows-parties',
  preset: '../../../jest.preset.cjs',
  rootDir: __dirname,
};
