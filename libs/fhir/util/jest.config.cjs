module.exports = {
  displayName: 'fhir-util',
  preset: '../../../jest.preset.cjs',
  rootDir: __dirname,
};
