// The README's test command (`npm test`) runs every project's tests in one jest run, so CI gets one JSON report.
// `npx nx affected -t test` runs the same per-project configs through the @nx/jest plugin instead.
const { getJestProjectsAsync } = require('@nx/jest');

module.exports = async () => ({
  projects: await getJestProjectsAsync(),
});
