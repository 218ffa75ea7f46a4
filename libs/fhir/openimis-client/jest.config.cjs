module.exports = {
  displayName: 'fhir-openimis-client',
  preset: '../../../jest.preset.cjs',
  rootDir: __dirname,
};
