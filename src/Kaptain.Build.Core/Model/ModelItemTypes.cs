namespace Kaptain.Build.Model;

/// <summary>
/// Every item type of a model project. With <see cref="ModelProperties"/> this list drives the MSBuild targets, the
/// Cake addin, the README table and the parity tests (Contract 1).
/// </summary>
public static class ModelItemTypes
{
    /// <summary><c>KaptainFile</c>: an extra file copied into the image (MSBuild does the globbing; the core receives paths).</summary>
    public const string File = "KaptainFile";

    /// <summary><c>KaptainHyperparameter</c>: a fixed hyperparameter passed to the main file as <c>--name=value</c>.</summary>
    public const string Hyperparameter = "KaptainHyperparameter";

    /// <summary><c>KaptainSearchParameter</c>: one dimension of the tuning search space.</summary>
    public const string SearchParameter = "KaptainSearchParameter";

    /// <summary><c>KaptainEnvironmentVariable</c>: an environment variable of the training and serving containers.</summary>
    public const string EnvironmentVariable = "KaptainEnvironmentVariable";

    /// <summary><c>KaptainLabel</c>: a label added to every resource of the model.</summary>
    public const string Label = "KaptainLabel";

    /// <summary><c>KaptainTrainArgument</c>: an extra command-line argument of the main file, in item order.</summary>
    public const string TrainArgument = "KaptainTrainArgument";

    /// <summary><c>KaptainAlgorithmSetting</c>: a setting of the Katib search algorithm.</summary>
    public const string AlgorithmSetting = "KaptainAlgorithmSetting";

    /// <summary>Every item type, in README order.</summary>
    public static IReadOnlyList<ModelItemType> All { get; } =
    [
        new(File, "a file path, relative to the project directory",
            new Dictionary<string, string> { ["Link"] = "the path inside the image, for files outside the project directory" },
            "An extra file copied into the image next to the main file; globbing is done by MSBuild."),
        new(Hyperparameter, "the hyperparameter name",
            new Dictionary<string, string> { ["Value"] = "the value" },
            "A fixed hyperparameter, passed to the main file as `--name=value` when training and tuning (a search parameter of the same name wins when tuning)."),
        new(SearchParameter, "the hyperparameter name",
            new Dictionary<string, string>
            {
                ["Type"] = "`double`, `int`, `discrete` or `categorical`",
                ["Min"] = "the lower bound (double, int)",
                ["Max"] = "the upper bound (double, int)",
                ["Step"] = "the step (double, int; optional)",
                ["Values"] = "the values separated by ';' (discrete: numbers, categorical: strings)",
            },
            "One dimension of the tuning search space; each trial passes it to the main file as `--name=value`."),
        new(EnvironmentVariable, "the variable name",
            new Dictionary<string, string> { ["Value"] = "the value" },
            "An environment variable of the training, trial and serving containers."),
        new(Label, "the label key",
            new Dictionary<string, string> { ["Value"] = "the label value" },
            "A Kubernetes label added to every resource the model creates."),
        new(TrainArgument, "the argument",
            new Dictionary<string, string>(),
            "An extra argument of the main file, after the hyperparameters, in item order."),
        new(AlgorithmSetting, "the setting name",
            new Dictionary<string, string> { ["Value"] = "the value" },
            "A setting of the Katib algorithm (`algorithmSettings`), for example `random_state`."),
    ];

    private static readonly Dictionary<string, ModelItemType> ByName =
        All.ToDictionary(t => t.Name, StringComparer.OrdinalIgnoreCase);

    /// <summary>The item type named <paramref name="name"/> (case-insensitive), or <see langword="null"/>.</summary>
    public static ModelItemType? Find(string name) => ByName.GetValueOrDefault(name);
}
