using System.Security;

namespace Kaptain.Build.Targets.Tests.Infrastructure;

/// <summary>
/// A model project in a temp folder that imports the real targets/Kaptain.Build.props and .targets around its body,
/// as the package does, with a training script next to it.
/// </summary>
internal sealed class ModelProject : IDisposable
{
    /// <summary>A complete, valid model for every step.</summary>
    public const string ValidBody = """
        <PropertyGroup>
          <KaptainModelId>dev/mnist</KaptainModelId>
          <KaptainFramework>pytorch</KaptainFramework>
          <KaptainMainFile>train.py</KaptainMainFile>
          <KaptainRegistry>127.0.0.1:5000</KaptainRegistry>
          <KaptainS3Endpoint>http://127.0.0.1:9000</KaptainS3Endpoint>
          <KaptainObjectives>accuracy</KaptainObjectives>
        </PropertyGroup>
        <ItemGroup>
          <KaptainHyperparameter Include="epochs" Value="2" />
          <KaptainSearchParameter Include="lr" Type="double" Min="0.01" Max="0.1" />
        </ItemGroup>
        """;

    private readonly TempDirectory _directory = new();

    public ModelProject(string body = ValidBody, string name = "model", string afterTargets = "")
    {
        File = _directory.Combine(name + ".proj");
        System.IO.File.WriteAllText(_directory.Combine("train.py"), "print('accuracy=0.9')\n");
        Write(body, afterTargets);
    }

    public string File { get; }

    public string Directory => _directory.Path;

    public string ManifestsDirectory => _directory.Combine("obj", "kaptain", "manifests");

    public string Manifest(string step) => Path.Combine(ManifestsDirectory, step + ".yaml");

    /// <summary>
    /// Replaces the project's body (between the props and the targets) and what follows the targets (a test's stand-in
    /// for a step, which only a definition after the targets can replace).
    /// </summary>
    public void Write(string body, string afterTargets = "") =>
        System.IO.File.WriteAllText(File, $"""
            <Project>
              <Import Project="{SecurityElement.Escape(Repository.PropsFile)}" />
            {body}
              <Import Project="{SecurityElement.Escape(Repository.TargetsFile)}" />
            {afterTargets}
            </Project>
            """);

    public void Dispose() => _directory.Dispose();
}
