using System.Text.Json.Nodes;

namespace Kaptain.Build.Core.Tests.Schemas;

/// <summary>The upstream CRD and OpenAPI files (copied next to the tests from src/Kaptain.LocalCluster/Crds) as validators.</summary>
internal static class UpstreamSchemas
{
    public static string Directory { get; } = Path.Combine(AppContext.BaseDirectory, "Crds");

    private static readonly Lazy<SchemaValidator> TfJob = new(() => FromCrd("kubeflow.org_tfjobs.yaml", "v1"));
    private static readonly Lazy<SchemaValidator> PyTorchJob = new(() => FromCrd("kubeflow.org_pytorchjobs.yaml", "v1"));
    private static readonly Lazy<SchemaValidator> KServe = new(() => FromCrd("serving.kserve.io_inferenceservices.yaml", "v1beta1"));
    private static readonly Lazy<SchemaValidator> Legacy = new(() =>
        FromCrd("serving.kubeflow.org_inferenceservices.yaml", "v1beta1", "serving.kubeflow.org_inferenceservices.protocol.yaml"));

    private static readonly Lazy<SchemaValidator> Experiment = new(() =>
    {
        var swagger = JsonNode.Parse(File.ReadAllText(Path.Combine(Directory, "katib-v1beta1-swagger.json")))!.AsObject();

        // Katib's swagger refers to Kubernetes types it does not define. Object metadata and the trial spec (an
        // unstructured object) are objects here; the trial spec is checked against its own CRD separately.
        var external = new Dictionary<string, JsonObject>
        {
            ["v1.ObjectMeta"] = new() { ["type"] = "object" },
            ["v1.ListMeta"] = new() { ["type"] = "object" },
            ["v1.Container"] = new() { ["type"] = "object" },
            ["v1.HTTPGetAction"] = new() { ["type"] = "object" },
            ["v1.Time"] = new() { ["type"] = "string" },
            ["v1.unstructured.Unstructured"] = new() { ["type"] = "object" },
        };
        return new SchemaValidator(OpenApiSchemaConverter.ConvertSwagger(swagger, "v1beta1.Experiment", external), "experiment");
    });

    /// <summary>The validator for a resource of <paramref name="apiVersion"/> and <paramref name="kind"/>.</summary>
    public static SchemaValidator For(string apiVersion, string kind) => (apiVersion, kind) switch
    {
        ("kubeflow.org/v1", "TFJob") => TfJob.Value,
        ("kubeflow.org/v1", "PyTorchJob") => PyTorchJob.Value,
        ("kubeflow.org/v1beta1", "Experiment") => Experiment.Value,
        ("serving.kserve.io/v1beta1", "InferenceService") => KServe.Value,
        ("serving.kubeflow.org/v1beta1", "InferenceService") => Legacy.Value,
        _ => throw new ArgumentException($"No upstream schema for {apiVersion} {kind}"),
    };

    /// <summary>Loads a CRD, applies a JSON patch file when given, and converts the served version's schema.</summary>
    public static SchemaValidator FromCrd(string file, string version, string? patchFile = null)
    {
        var crd = YamlJson.Load(File.ReadAllText(Path.Combine(Directory, file)))!;
        if (patchFile is not null)
        {
            var patch = YamlJson.Load(File.ReadAllText(Path.Combine(Directory, patchFile)))!.AsArray();
            JsonPatch.Apply(crd, patch);
        }

        var served = crd["spec"]!["versions"]!.AsArray()
            .Single(v => (string)v!["name"]! == version && v["served"]?.GetValue<bool>() != false)!;

        // apiextensions.k8s.io/v1beta1 CRDs may give one schema for every version under spec.validation.
        var schema = served["schema"]?["openAPIV3Schema"] ?? crd["spec"]!["validation"]!["openAPIV3Schema"]!;
        return new SchemaValidator(OpenApiSchemaConverter.Convert(schema), file);
    }
}
