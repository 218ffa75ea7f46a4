module.exports = {
  displayName: 'fhir-types',
  preset: '../../../jest.preset.cjs',
  rootDir: __dirname,
};
