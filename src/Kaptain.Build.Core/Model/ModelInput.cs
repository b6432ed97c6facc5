namespace Kaptain.Build.Model;

/// <summary>
/// The model definition as a front end (the MSBuild targets, the Cake addin) hands it to the core: property values by
/// their MSBuild names and items by their item types (Contract 1). The core owns names, defaults, parsing and validation.
/// </summary>
public sealed class ModelInput
{
    /// <summary>The directory of the model project; relative paths are resolved against it.</summary>
    public required string ProjectDirectory { get; init; }

    /// <summary>
    /// Property values by MSBuild name (<c>"KaptainModelId" -> "dev/mnist"</c>, case-insensitive); an empty value means
    /// the default. Pass the names of <see cref="ModelProperties.All"/>: any other name with the <c>Kaptain</c> prefix is
    /// taken for a misspelt property (KAPT2034), so front-end switches such as <c>KaptainEnabled</c> stay out.
    /// </summary>
    public IReadOnlyDictionary<string, string> Properties { get; init; } = new Dictionary<string, string>();

    /// <summary>The model's items (<c>KaptainFile</c>, <c>KaptainHyperparameter</c>, ...); see <see cref="ModelItemTypes"/>.</summary>
    public IReadOnlyList<ModelItem> Items { get; init; } = [];

    /// <summary>
    /// The environment variables the core may consult (<c>KAPTAIN_SDK_FORCE_CLEANUP</c>,
    /// <c>KAPTAIN_SDK_DELETE_EXPERIMENT</c>); <see langword="null"/> reads the process environment.
    /// Tests pass their own dictionary.
    /// </summary>
    public IReadOnlyDictionary<string, string>? Environment { get; init; }
}
