using k8s;
using k8s.Models;
using Kaptain.Build.Diagnostics;
using Kaptain.Build.Model;
using Kaptain.Build.Validation;

namespace Kaptain.Build.Manifests;

/// <summary>Turns a model, a lifecycle step and a run into the exact resources that step creates.</summary>
public static class ManifestRenderer
{
    /// <summary>
    /// What <paramref name="model"/> lacks to run <paramref name="step"/> (tuning needs objectives and a search space);
    /// empty when the step can be rendered.
    /// </summary>
    public static IReadOnlyList<KaptainDiagnostic> Check(ModelDefinition model, LifecycleStep step)
    {
        ArgumentNullException.ThrowIfNull(model);
        var diagnostics = new List<KaptainDiagnostic>();
        if (step == LifecycleStep.Tune)
        {
            if (model.Tune.Objectives.Count == 0)
            {
                diagnostics.Add(KaptainDiagnostic.Error(DiagnosticCodes.TuneNeedsObjectives, ModelProperties.Objectives));
            }

            if (model.Tune.SearchParameters.Count == 0)
            {
                diagnostics.Add(KaptainDiagnostic.Error(DiagnosticCodes.TuneNeedsSearchParameters, ModelItemTypes.SearchParameter));
            }
        }

        return diagnostics;
    }

    /// <summary>
    /// The resources of <paramref name="step"/>, in creation order. Throws a <see cref="KaptainException"/> with the
    /// diagnostics of <see cref="Check"/> when the model cannot run the step.
    /// </summary>
    public static StepManifests Render(ModelDefinition model, LifecycleStep step, RunContext run)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(run);
        var problems = Check(model, step);
        if (problems.Count > 0)
        {
            throw new KaptainException(problems);
        }

        IReadOnlyList<IKubernetesObject<V1ObjectMeta>> resources = step switch
        {
            LifecycleStep.BuildImage => BuildJobManifest.Create(model, run),
            // The training job's (and each trial's) S3 access: a Secret the pods read, created before the job.
            LifecycleStep.Train => [BuildJobManifest.S3Secret(model, step, run), TrainingJobManifest.Create(model, run)],
            LifecycleStep.Tune => [BuildJobManifest.S3Secret(model, step, run), ExperimentManifest.Create(model, run)],
            LifecycleStep.Publish => InferenceServiceManifest.Create(model, run),
            _ => throw new ArgumentOutOfRangeException(nameof(step), step, null),
        };
        return new StepManifests(step, resources);
    }

    /// <summary>
    /// The YAML of <paramref name="step"/>'s resources as <c>KaptainRender</c> writes it: one multi-document file with
    /// Secret data redacted.
    /// </summary>
    public static string RenderYaml(ModelDefinition model, LifecycleStep step, RunContext run) =>
        ManifestYamlWriter.Write(Render(model, step, run).Resources);
}
