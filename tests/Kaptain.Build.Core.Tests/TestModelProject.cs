using Kaptain.Build.Model;

namespace Kaptain.Build.Core.Tests;

/// <summary>A model project on disk (a temporary directory with a main file and requirements) and the input describing it.</summary>
internal sealed class TestModelProject : IDisposable
{
    public TestModelProject(string framework = "pytorch")
    {
        // The project sits one level down, so that files "outside the project" are still inside what Dispose removes.
        Root = Path.Combine(Path.GetTempPath(), "kaptain-core-tests", Guid.NewGuid().ToString("n"));
        Directory = Path.Combine(Root, "model");
        System.IO.Directory.CreateDirectory(Directory);
        Write("train.py", "import argparse\nprint('accuracy=0.9')\n");
        Write("requirements.txt", "numpy==1.26.4\n");
        Properties = new Dictionary<string, string>
        {
            [ModelProperties.ModelId] = "dev/mnist",
            [ModelProperties.Framework] = framework,
            [ModelProperties.MainFile] = "train.py",
            [ModelProperties.Registry] = "127.0.0.1:5000",
            [ModelProperties.S3Endpoint] = "http://127.0.0.1:9000",
            [ModelProperties.Objectives] = "accuracy;loss",
        };
        Items =
        [
            Item(ModelItemTypes.Hyperparameter, "epochs", ("Value", "5")),
            Item(ModelItemTypes.Hyperparameter, "lr", ("Value", "0.01")),
            Item(ModelItemTypes.SearchParameter, "lr", ("Type", "double"), ("Min", "0.001"), ("Max", "0.1")),
            Item(ModelItemTypes.SearchParameter, "batch-size", ("Type", "int"), ("Min", "16"), ("Max", "128"), ("Step", "16")),
            Item(ModelItemTypes.SearchParameter, "optimizer", ("Type", "categorical"), ("Values", "adam;sgd")),
            Item(ModelItemTypes.SearchParameter, "dropout", ("Type", "discrete"), ("Values", "0.1;0.2;0.5")),
        ];
    }

    public string Root { get; }

    public string Directory { get; }

    public Dictionary<string, string> Properties { get; }

    public List<ModelItem> Items { get; }

    public Dictionary<string, string> Environment { get; } = [];

    public static ModelItem Item(string type, string spec, params (string Name, string Value)[] metadata) =>
        new(type, spec, metadata.ToDictionary(m => m.Name, m => m.Value));

    public string Write(string relativePath, string content)
    {
        var path = Path.Combine(Directory, relativePath);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    public ModelInput Input() => new()
    {
        ProjectDirectory = Directory,
        Properties = new Dictionary<string, string>(Properties),
        Items = [.. Items],
        Environment = new Dictionary<string, string>(Environment),
    };

    public ModelReadResult Read() => ModelDefinitionReader.Read(Input());

    public ModelDefinition Model()
    {
        var result = Read();
        Assert.True(result.Succeeded, string.Join(System.Environment.NewLine, result.Diagnostics));
        return result.Model!;
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
