namespace Kaptain.LocalCluster.Simulation;

/// <summary>
/// Chooses what a simulated workload does (Contract 4 of docs/architecture.md), first match wins: the
/// <c>local.kaptain.build/scenario</c> annotation on the resource or its pod template; the
/// <c>LOCAL_CLUSTER_SCENARIO</c> environment variable of the template's first container; the scenario file's rules by
/// kind and name; the default.
/// </summary>
/// <param name="file">The cluster's scenario file (<see cref="ScenarioFile.Empty"/> when none was given).</param>
internal sealed class ScenarioResolver(ScenarioFile file)
{
    /// <summary>The annotation that scripts a resource or pod template.</summary>
    public const string AnnotationName = "local.kaptain.build/scenario";

    /// <summary>The environment variable of a pod's first container that scripts it.</summary>
    public const string EnvironmentVariable = "LOCAL_CLUSTER_SCENARIO";

    /// <summary>The object store's credentials from the scenario file (<see cref="ScenarioFile.S3Credentials"/>).</summary>
    public IReadOnlyDictionary<string, string> S3Credentials => file.S3Credentials;

    /// <summary>Resolves the scenario of a workload. <paramref name="subjects"/> go from the workload outwards (a
    /// trial's TFJob, then the Trial); each step of the precedence looks at all of them before the next step.</summary>
    /// <exception cref="ScenarioFormatException">The annotation or environment variable that applies is not a scenario.</exception>
    public Scenario Resolve(params IReadOnlyList<ScenarioSubject> subjects)
    {
        foreach (var subject in subjects)
        {
            if (subject.Annotation is { } annotation)
            {
                return Scenario.Parse(annotation);
            }
        }

        foreach (var subject in subjects)
        {
            if (subject.Environment is { } environment)
            {
                return Scenario.Parse(environment);
            }
        }

        foreach (var subject in subjects)
        {
            if (file.Find(subject.Kind, subject.Name) is { } scenario)
            {
                return scenario;
            }
        }

        return Scenario.Default;
    }
}
