using System.Text.Json.Nodes;
using Kaptain.Build.Cleanup;
using Kaptain.Build.Cluster;
using Kaptain.Build.Core.Tests.Cluster;
using Kaptain.Build.Manifests;
using Xunit;

namespace Kaptain.Build.Core.Tests.Cleanup;

public sealed class ResourceJournalTests
{
    private static JsonObject Created(ResourceKind kind, string name, string run, string step = "train") => new()
    {
        ["apiVersion"] = kind.ApiVersion,
        ["kind"] = kind.Kind,
        ["metadata"] = new JsonObject
        {
            ["name"] = name,
            ["namespace"] = "team",
            ["uid"] = $"uid-{name}",
            ["labels"] = new JsonObject { [ManifestLabels.Run] = run, [ManifestLabels.Step] = step },
        },
    };

    [Fact]
    public void Every_entry_is_on_disk_as_soon_as_it_is_recorded()
    {
        using var temp = new TempFolder();
        var path = temp.File("obj/kaptain/journal.jsonl");
        using var journal = ResourceJournal.Open(path);

        journal.RecordCreated(Created(ResourceKinds.Secret, "m-train-aaaaaaaaaa-s3", "aaaaaaaaaa"), "team");

        // Read while the journal is still open, as a later process would after a SIGKILL.
        var entry = Assert.Single(ResourceJournal.Read(path));
        Assert.Equal(JournalAction.Created, entry.Action);
        Assert.Equal(new ResourceReference("v1", "Secret", "team", "m-train-aaaaaaaaaa-s3", "uid-m-train-aaaaaaaaaa-s3"), entry.Resource);
        Assert.Equal("train", entry.Step);
        Assert.Equal("aaaaaaaaaa", entry.RunId);
    }

    [Fact]
    public void Pending_is_created_minus_deleted_and_kept_in_creation_order()
    {
        using var temp = new TempFolder();
        var path = temp.File("journal.jsonl");
        using (var journal = ResourceJournal.Open(path))
        {
            var secret = journal.RecordCreated(Created(ResourceKinds.Secret, "s", "run1"), "team");
            journal.RecordCreated(Created(ResourceKinds.PyTorchJob, "job", "run1"), "team");
            var sa = journal.RecordCreated(Created(ResourceKinds.ServiceAccount, "sa", "run1"), "team");
            journal.RecordCreated(Created(ResourceKinds.Job, "build", "run2", "build-image"), "team");
            journal.Record(JournalAction.Deleted, secret.Resource, secret.Step, secret.RunId);
            journal.Record(JournalAction.Kept, sa.Resource, sa.Step, sa.RunId);

            Assert.Equal(["job", "build"], journal.Pending().Select(entry => entry.Resource.Name));
            Assert.Equal(["job"], journal.Pending("run1").Select(entry => entry.Resource.Name));
        }

        // A later run replays the file and sees the same leftovers.
        using var reopened = ResourceJournal.Open(path);
        Assert.Equal(["job", "build"], reopened.Pending().Select(entry => entry.Resource.Name));
        Assert.Equal(6, reopened.Entries.Count);
    }

    [Fact]
    public void A_line_cut_short_by_a_killed_process_is_skipped()
    {
        using var temp = new TempFolder();
        var path = temp.File("journal.jsonl");
        using (var journal = ResourceJournal.Open(path))
        {
            journal.RecordCreated(Created(ResourceKinds.TFJob, "tf", "run1"), "team");
        }

        File.AppendAllText(path, """{"action":"created","apiVersion":"v1","kind":"Sec""");

        var entry = Assert.Single(ResourceJournal.Read(path));
        Assert.Equal("tf", entry.Resource.Name);
    }

    [Fact]
    public void Reopening_appends_to_what_is_there()
    {
        using var temp = new TempFolder();
        var path = temp.File("journal.jsonl");
        using (var first = ResourceJournal.Open(path))
        {
            first.RecordCreated(Created(ResourceKinds.Secret, "one", "run1"), "team");
        }

        using (var second = ResourceJournal.Open(path))
        {
            second.RecordCreated(Created(ResourceKinds.Secret, "two", "run2"), "team");
        }

        Assert.Equal(["one", "two"], ResourceJournal.Read(path).Select(entry => entry.Resource.Name));
        Assert.Equal(2, File.ReadAllLines(path).Length);
    }

    [Fact]
    public void A_missing_file_is_an_empty_journal() =>
        Assert.Empty(ResourceJournal.Read(Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"))));
}
