using Glimpse.Core.Evaluation;

namespace Glimpse.Explain.Tests.Evaluation;

/// <summary>Dataset folders: the format round-trips, and every kind of mistake is an error naming the line.</summary>
public class EvalDatasetTests
{
    [Fact]
    public void AWrittenFolderLoadsBack()
    {
        string folder = EvalFolders.Write("dataset-roundtrip", 3);
        var source = new FolderEvalSource(folder);
        Assert.Equal(["item-0", "item-1", "item-2"], source.Items.Select(i => i.Id));
        Assert.Equal("Red.", source.Items[0].Answer);
        Assert.Null(source.Items[1].Answer);
        Assert.Equal(ReferenceKind.Map, source.Items[1].ReferenceKind);
        Assert.Equal("position", source.Items[1].Tags!["type"]);
        var image = source.LoadImage(source.Items[0]);
        Assert.Equal((EvalFolders.Width, EvalFolders.Height), (image.Width, image.Height));
        var mask = source.LoadReference(source.Items[0])!;
        Assert.Equal(ReferenceKind.Mask, mask.Kind);
        Assert.Equal(14 * 14, mask.Values.Count(v => v == 1));
        Assert.Equal(mask.Values.Length - 14 * 14, mask.Values.Count(v => v == 0));
    }

    [Fact]
    public void AMissingIndexSaysWhatAFolderHolds()
    {
        string folder = EvalFolders.Fresh("dataset-no-index");
        var error = Assert.Throws<FileNotFoundException>(() => new FolderEvalSource(folder));
        Assert.Contains("data.jsonl", error.Message);
        Assert.Throws<DirectoryNotFoundException>(() => new FolderEvalSource(Path.Combine(folder, "nowhere")));
    }

    public static TheoryData<string, string, string> BadLines => new()
    {
        { "missing-image", """{"id":"b","image":"nope.png","question":"q?"}""", "line 2 (id 'b'): the image file 'nope.png' does not exist" },
        { "bad-json", """{"id":"b","image":"image-0.png","question":""", "line 2:" },
        { "no-question", """{"id":"b","image":"image-0.png","question":" "}""", "line 2 (id 'b'): the question is empty" },
        { "missing-id", """{"image":"image-0.png","question":"q?"}""", "line 2:" },
        { "repeated-id", """{"id":"item-0","image":"image-0.png","question":"q?"}""", "line 2 (id 'item-0'): the id repeats" },
        { "no-kind", """{"id":"b","image":"image-0.png","question":"q?","reference":"references/ref-0.png"}""", "line 2 (id 'b'): a reference needs its reference_kind" },
        { "bad-kind", """{"id":"b","image":"image-0.png","question":"q?","reference":"references/ref-0.png","reference_kind":"blob"}""", "line 2:" },
        { "outside", """{"id":"b","image":"../image-0.png","question":"q?"}""", "line 2 (id 'b'): the image path '../image-0.png' must be relative" },
        { "not-an-image", """{"id":"b","image":"data.jsonl","question":"q?"}""", "line 2 (id 'b'): the image file 'data.jsonl' is not a readable image" },
    };

    [Theory, MemberData(nameof(BadLines))]
    public void ABadLineIsAnErrorNamingIt(string name, string line, string expected)
    {
        string folder = EvalFolders.Write($"dataset-{name}", 1);
        string index = Path.Combine(folder, EvalDataset.IndexFile);
        File.AppendAllText(index, line + "\n");
        var error = Assert.Throws<InvalidDataException>(() => new FolderEvalSource(folder));
        Assert.Contains(expected, error.Message);
        Assert.Contains(index, error.Message);
    }

    [Fact]
    public void AnEmptyIndexIsAnError()
    {
        string folder = EvalFolders.Fresh("dataset-empty");
        File.WriteAllText(Path.Combine(folder, EvalDataset.IndexFile), "\n\n");
        Assert.Contains("no items", Assert.Throws<InvalidDataException>(() => new FolderEvalSource(folder)).Message);
    }

    [Fact]
    public void RegisteredSourcesOpenByNameAndAreCutToTheCount()
    {
        string folder = EvalFolders.Write("dataset-registered", 3);
        EvalSourceRequest? asked = null;
        EvalSources.Register("test-registered", request =>
        {
            asked = request;
            return new FolderEvalSource(folder);
        });
        var source = EvalSources.Open("test-registered", new EvalSourceRequest(Count: 2, Seed: 9));
        Assert.Equal(new EvalSourceRequest(2, 9), asked);
        Assert.Equal(["item-0", "item-1"], source.Items.Select(i => i.Id));
        Assert.NotNull(source.LoadReference(source.Items[1]));
        Assert.Contains("test-registered", EvalSources.Names);
        // Anything else is a folder.
        Assert.Equal(3, EvalSources.Open(folder).Items.Count);
        Assert.Contains("test-registered", Assert.Throws<DirectoryNotFoundException>(() => EvalSources.Open("no-such-source")).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => EvalSources.Open(folder, new EvalSourceRequest(Count: 0)));
    }

    [Fact]
    public void AnswersMatchAfterNormalisation()
    {
        Assert.True(AnswerMatching.Matches("Red.", "red"));
        Assert.True(AnswerMatching.Matches("  the   Red ball!? ", "the red ball"));
        Assert.False(AnswerMatching.Matches("red ball", "red"));
        Assert.False(AnswerMatching.Matches("a red", "red"));
        Assert.Equal("left, right", AnswerMatching.Normalize("Left, Right."));
    }

    [Fact]
    public void TheBootstrapIntervalHoldsTheMeanAndIsReproducible()
    {
        double[] values = [0, 1, 1, 0, 1, 1, 1, 0, double.NaN];
        var estimate = Bootstrap.Mean(values, seed: 1);
        Assert.Equal(8, estimate.Count);
        Assert.Equal(5.0 / 8, estimate.Mean, 12);
        Assert.InRange(estimate.Mean, estimate.Low, estimate.High);
        Assert.True(estimate.Low >= 0 && estimate.High <= 1 && estimate.High > estimate.Low);
        Assert.Equal(estimate, Bootstrap.Mean(values, seed: 1));
        Assert.Equal(new Estimate(1, 3, 3, 3), Bootstrap.Mean([3], 0));
        Assert.Equal(0, Bootstrap.Mean([double.NaN], 0).Count);
        Assert.Equal(2.5, Bootstrap.Percentile([1, 2, 3, 4], 50));
    }
}
