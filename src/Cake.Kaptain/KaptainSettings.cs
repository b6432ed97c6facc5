using Cake.Core.IO;

namespace Cake.Kaptain;

/// <summary>
/// What every Kaptain alias takes: the model project whose <c>Kaptain*</c> properties and items define the model (the
/// same definition <c>dotnet build</c> uses), and values set in code that override or add to it.
/// </summary>
public abstract class KaptainSettings
{
    /// <summary>
    /// The model project (for example <c>samples/mnist-pytorch/mnist-pytorch.proj</c>). Its properties and items are read
    /// with <c>dotnet msbuild -getProperty/-getItem</c>. Corresponds to the tasks' <c>ProjectFile</c> parameter.
    /// </summary>
    public FilePath? ProjectFile { get; set; }

    /// <summary>
    /// Model property values by their MSBuild names (<c>KaptainNamespace</c>, <c>KaptainS3Endpoint</c>, ...) that
    /// override the project's. Corresponds to the tasks' <c>ModelProperties</c> parameter. Never put a credential here:
    /// credentials come from the docker config and the environment.
    /// </summary>
    public IDictionary<string, string> ModelProperties { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Model items added to the project's (<c>KaptainHyperparameter</c>, <c>KaptainSearchParameter</c>, ...); a
    /// hyperparameter set here replaces the project's of the same name. Corresponds to the tasks' <c>ModelItems</c>
    /// parameter.
    /// </summary>
    public IList<KaptainItem> ModelItems { get; } = [];
}
