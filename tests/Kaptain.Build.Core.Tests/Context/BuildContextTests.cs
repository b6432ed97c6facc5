using Kaptain.Build.Context;
using Kaptain.Build.Model;
using static Kaptain.Build.Core.Tests.TestModelProject;
using P = Kaptain.Build.Model.ModelProperties;

namespace Kaptain.Build.Core.Tests.Context;

public sealed class BuildContextTests
{
    [Fact]
    public async Task Context_lists_main_requirements_and_extra_files_in_path_order_honouring_dockerignore()
    {
        using var project = new TestModelProject();
        project.Write(".dockerignore", "# data\ndata/**/*.tmp\n*.log\n!keep.log\n");
        project.Items.Add(Item(ModelItemTypes.File, project.Write("data/train.csv", "1,2")));
        project.Items.Add(Item(ModelItemTypes.File, project.Write("data/cache/x.tmp", "tmp")));
        project.Items.Add(Item(ModelItemTypes.File, project.Write("debug.log", "log")));
        project.Items.Add(Item(ModelItemTypes.File, project.Write("keep.log", "log")));
        project.Items.Add(Item(ModelItemTypes.File, project.Write("../shared.py", "x"), ("Link", "lib/shared.py")));

        var context = await BuildContextBuilder.CreateAsync(project.Model(), TestContext.Current.CancellationToken);

        Assert.Equal(["data/train.csv", "keep.log", "lib/shared.py", "requirements.txt", "train.py"], context.Entries.Select(e => e.ContextPath));
        Assert.All(context.Entries, e => Assert.True(File.Exists(e.FullPath)));
        Assert.True(context.IsDockerfileGenerated);
    }

    [Fact]
    public async Task Generated_dockerfile_installs_requirements_copies_files_and_runs_the_main_file()
    {
        using var project = new TestModelProject("pytorch");
        var context = await BuildContextBuilder.CreateAsync(project.Model(), TestContext.Current.CancellationToken);

        var lines = context.Dockerfile.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("FROM pytorch/pytorch:2.4.1-cuda12.1-cudnn9-runtime", lines);
        Assert.Contains("RUN pip install --no-cache-dir -r /app/requirements.txt", lines);
        Assert.Contains("COPY . /app/", lines);
        Assert.Equal("ENTRYPOINT [\"python\", \"-u\", \"train.py\"]", lines[^1]);
        Assert.DoesNotContain('\r', context.Dockerfile);
    }

    [Fact]
    public async Task Own_dockerfile_is_used_as_it_is()
    {
        using var project = new TestModelProject();
        project.Write("docker/Dockerfile", "FROM python:3.12-slim\nCOPY . /src\n");
        project.Properties[P.Dockerfile] = "docker/Dockerfile";

        var context = await BuildContextBuilder.CreateAsync(project.Model(), TestContext.Current.CancellationToken);

        Assert.False(context.IsDockerfileGenerated);
        Assert.Equal("FROM python:3.12-slim\nCOPY . /src\n", context.Dockerfile);
    }

    [Fact]
    public async Task Image_tag_derives_from_the_content_unless_the_image_name_has_one()
    {
        using var project = new TestModelProject();
        var first = await BuildContextBuilder.CreateAsync(project.Model(), TestContext.Current.CancellationToken);
        var again = await BuildContextBuilder.CreateAsync(project.Model(), TestContext.Current.CancellationToken);

        Assert.Matches("^[0-9a-f]{64}$", first.Checksum);
        Assert.Equal(first.Checksum, again.Checksum);
        Assert.Equal("sha-" + first.Checksum[..16], first.Image.Tag);
        Assert.Equal("127.0.0.1:5000/dev/mnist:" + first.Image.Tag, first.Image.ToString());

        project.Properties[P.ImageName] = "registry.example.com/team/mnist:1.2";
        var tagged = await BuildContextBuilder.CreateAsync(project.Model(), TestContext.Current.CancellationToken);
        Assert.Equal("registry.example.com/team/mnist:1.2", tagged.Image.ToString());
    }

    public static TheoryData<string> Changes => ["main file", "requirements", "extra file", "file name", "base image"];

    [Theory]
    [MemberData(nameof(Changes))]
    public async Task Checksum_changes_with_every_input(string change)
    {
        using var project = new TestModelProject();
        project.Items.Add(Item(ModelItemTypes.File, project.Write("data.csv", "1,2")));
        var before = await BuildContextBuilder.CreateAsync(project.Model(), TestContext.Current.CancellationToken);

        switch (change)
        {
            case "main file": project.Write("train.py", "print('changed')\n"); break;
            case "requirements": project.Write("requirements.txt", "numpy==2.0.0\n"); break;
            case "extra file": project.Write("data.csv", "1,3"); break;
            case "file name":
                project.Items.RemoveAll(i => i.ItemType == ModelItemTypes.File);
                project.Items.Add(Item(ModelItemTypes.File, project.Write("data2.csv", "1,2")));
                break;
            case "base image": project.Properties[P.BaseImage] = "python:3.12-slim"; break;
        }

        var after = await BuildContextBuilder.CreateAsync(project.Model(), TestContext.Current.CancellationToken);
        Assert.NotEqual(before.Checksum, after.Checksum);
        Assert.NotEqual(before.Image.Tag, after.Image.Tag);
    }

    [Theory]
    [InlineData("*.log", "a.log", true)]
    [InlineData("*.log", "dir/a.log", false)]
    [InlineData("**/*.log", "dir/sub/a.log", true)]
    [InlineData("data", "data/train.csv", true)]
    [InlineData("/data/", "data/train.csv", true)]
    [InlineData("dat?", "data/x", true)]
    [InlineData("[a-c].txt", "b.txt", true)]
    [InlineData("[!a-c].txt", "b.txt", false)]
    [InlineData("*.log\n!keep.log", "keep.log", false)]
    [InlineData("!keep.log\n*.log", "keep.log", true)]
    [InlineData("# *.log", "a.log", false)]
    public void Dockerignore_matches_as_docker_does(string patterns, string path, bool ignored) =>
        Assert.Equal(ignored, DockerIgnore.Parse(patterns).IsIgnored(path));
}
