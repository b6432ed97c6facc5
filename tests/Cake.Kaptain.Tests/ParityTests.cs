using System.Reflection;
using Cake.Core;
using Cake.Core.Annotations;
using Kaptain.Build.Tasks;
using Microsoft.Build.Framework;
using Xunit;

namespace Cake.Kaptain.Tests;

/// <summary>The two fronts take the same inputs: every MSBuild task parameter has its Cake setting and the other way round.</summary>
public sealed class ParityTests
{
    private static readonly Assembly Tasks = typeof(KaptainRender).Assembly;
    private static readonly Assembly Addin = typeof(KaptainAliases).Assembly;

    public static TheoryData<string> TaskNames()
    {
        var data = new TheoryData<string>();
        foreach (var task in PublicTasks())
        {
            data.Add(task.Name);
        }

        return data;
    }

    [Fact]
    public void EveryLifecycleStepHasATask()
    {
        // The list the issue names: if a task disappears, the theory below would silently shrink.
        Assert.Equal(
            ["KaptainBuildImage", "KaptainCleanup", "KaptainPromoteCanary", "KaptainPublish", "KaptainRender", "KaptainRollbackCanary", "KaptainTrain", "KaptainTune", "KaptainUndeploy"],
            PublicTasks().Select(t => t.Name).Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(TaskNames))]
    public void TaskParametersAndSettingsMatch(string taskName)
    {
        var task = Tasks.GetTypes().Single(t => t.Name == taskName);
        var settings = Addin.GetType($"Cake.Kaptain.{taskName}Settings");
        Assert.True(settings is not null, $"Cake.Kaptain has no {taskName}Settings for the {taskName} task.");

        var parameters = task.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.DeclaringType!.Assembly == Tasks && p.SetMethod is { IsPublic: true } && p.GetCustomAttribute<OutputAttribute>() is null)
            .Select(p => p.Name)
            .Order(StringComparer.Ordinal)
            .ToList();
        var settingNames = settings!.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.DeclaringType!.Assembly == Addin)
            .Select(p => p.Name)
            .Order(StringComparer.Ordinal)
            .ToList();

        Assert.Contains("ProjectFile", parameters);
        Assert.Equal(parameters, settingNames);
    }

    [Theory]
    [MemberData(nameof(TaskNames))]
    public void EveryTaskHasAnAliasTakingItsSettings(string taskName)
    {
        var alias = typeof(KaptainAliases).GetMethod(taskName, BindingFlags.Public | BindingFlags.Static);
        Assert.True(alias is not null, $"KaptainAliases has no {taskName} alias.");
        Assert.NotNull(alias!.GetCustomAttribute<CakeMethodAliasAttribute>());
        Assert.Equal([typeof(ICakeContext), Addin.GetType($"Cake.Kaptain.{taskName}Settings")], alias.GetParameters().Select(p => p.ParameterType));
        Assert.NotEqual(typeof(void), alias.ReturnType);
    }

    private static IEnumerable<Type> PublicTasks() =>
        Tasks.GetTypes().Where(t => t is { IsPublic: true, IsAbstract: false } && typeof(ITask).IsAssignableFrom(t));
}
