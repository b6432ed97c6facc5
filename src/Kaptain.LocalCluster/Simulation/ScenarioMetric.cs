namespace Kaptain.LocalCluster.Simulation;

/// <summary>A metric a simulated trial prints as <c>name=value</c>, computed from the trial's parameters.</summary>
/// <param name="Name">The metric name, as the experiment's objective names it.</param>
/// <param name="Formula">The formula over the trial's parameters.</param>
internal sealed record ScenarioMetric(string Name, MetricFormula Formula);
