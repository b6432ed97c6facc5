using Xunit;
using Kaptain.Build.Cluster;

namespace Kaptain.Build.Core.Tests.Cluster;

public sealed class LogLineDeduplicatorTests
{
    private static List<string> Accept(LogLineDeduplicator seen, params string[] lines)
    {
        seen.BeginStream();
        var shown = new List<string>();
        foreach (var line in lines)
        {
            if (seen.TryAccept(line, out var text))
            {
                shown.Add(text);
            }
        }

        return shown;
    }

    [Fact]
    public void A_reopened_stream_shows_only_lines_not_shown_before()
    {
        var seen = new LogLineDeduplicator();
        var first = Accept(seen,
            "2026-01-01T00:00:01.5Z epoch 1",
            "2026-01-01T00:00:02.000000001Z epoch 2");

        // The stream dropped; the reopened one starts from the beginning and goes on.
        var second = Accept(seen,
            "2026-01-01T00:00:01.5Z epoch 1",
            "2026-01-01T00:00:02.000000001Z epoch 2",
            "2026-01-01T00:00:03.25Z epoch 3");

        Assert.Equal(["epoch 1", "epoch 2"], first);
        Assert.Equal(["epoch 3"], second);
    }

    [Fact]
    public void Lines_with_the_same_timestamp_are_told_apart_by_position()
    {
        var seen = new LogLineDeduplicator();
        var first = Accept(seen, "2026-01-01T00:00:01Z a", "2026-01-01T00:00:01Z b");
        var second = Accept(seen, "2026-01-01T00:00:01Z a", "2026-01-01T00:00:01Z b", "2026-01-01T00:00:01Z c");

        Assert.Equal(["a", "b"], first);
        Assert.Equal(["c"], second);
    }

    [Fact]
    public void Fractions_compare_as_numbers_not_as_text()
    {
        // "…01.1Z" sorts after "…01.12Z" as text, but is earlier in time.
        var seen = new LogLineDeduplicator();
        Accept(seen, "2026-01-01T00:00:01.1Z early");

        Assert.Equal(["later"], Accept(seen, "2026-01-01T00:00:01.1Z early", "2026-01-01T00:00:01.12Z later"));
    }

    [Fact]
    public void Without_timestamps_lines_are_counted()
    {
        var seen = new LogLineDeduplicator();
        Accept(seen, "one", "two");

        Assert.Equal(["three"], Accept(seen, "one", "two", "three"));
        Assert.Equal(3, seen.ShownCount);
    }

    [Fact]
    public void The_timestamp_is_removed_and_an_empty_line_stays_empty()
    {
        var seen = new LogLineDeduplicator();

        Assert.Equal(["hello world", ""], Accept(seen, "2026-01-01T00:00:01.000Z hello world", "2026-01-01T00:00:02Z"));
    }
}
