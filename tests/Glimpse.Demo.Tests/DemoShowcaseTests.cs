using System.Text.RegularExpressions;
using Glimpse.Demo.Questions;
using Glimpse.Model;

namespace Glimpse.Demo.Tests;

public class DemoShowcaseTests
{
    [Fact]
    public void TheDemoWritesAReportPerSampleAndAnIndexLinkingThem()
    {
        using var folder = new TempFolder();
        using var runtime = VisionLanguageRuntime.Open(DemoModel.Directory);
        var entries = DemoShowcase.Write(folder.Path, runtime);

        Assert.Equal(DemoShowcase.Samples.Count, entries.Count);
        Assert.InRange(entries.Count, QuestionKinds.All.Count, 10);
        Assert.Equal(QuestionKinds.All.ToHashSet(), entries.Select(e => e.Item.Kind).ToHashSet());
        // The yes/no pair shows both answers.
        Assert.StartsWith("Yes", entries.Single(e => e.Sample.Name == "exist-yes").Item.Answer);
        Assert.StartsWith("No", entries.Single(e => e.Sample.Name == "exist-no").Item.Answer);
        // The list answers name several objects.
        Assert.True(entries.Single(e => e.Sample.Name == "color-group").Item.EvidenceObjects.Count >= 2);
        Assert.True(entries.Single(e => e.Sample.Name == "describe").Item.EvidenceObjects.Count >= 3);
        string index = File.ReadAllText(Path.Combine(folder.Path, DemoShowcase.IndexFile));
        foreach (var e in entries)
        {
            foreach (string file in new[] { "report.html", "result.json", "overlay.png", "heatmap.png", "image.png", "evidence.png" })
                Assert.True(File.Exists(Path.Combine(folder.Path, e.Folder, file)), $"{e.Folder}/{file}");
            Assert.Contains($"href=\"{e.Folder}/report.html\"", index);
            Assert.Contains(System.Net.WebUtility.HtmlEncode(e.Item.Question), index);
            Assert.Contains(System.Net.WebUtility.HtmlEncode(e.Answer), index);
        }
        // Everything the page refers to is in the folder: no network.
        foreach (Match m in Regex.Matches(index, "(?:src|href)=\"([^\"]+)\""))
        {
            Assert.DoesNotContain("://", m.Groups[1].Value);
            Assert.True(File.Exists(Path.Combine(folder.Path, m.Groups[1].Value)), m.Groups[1].Value);
        }
        Assert.True(entries.Count(e => e.Correct) >= entries.Count - 1, string.Join("\n", entries.Select(e => $"{e.Item.Question} → {e.Answer}")));
    }
}
