using Glimpse.Core.Evaluation;
using Glimpse.Core.Images;
using Glimpse.Demo.Questions;
using Glimpse.Demo.Scenes;

namespace Glimpse.Demo.Tests;

public class DatasetExportTests
{
    [Fact]
    public void AnExportedSplitLoadsAsADatasetAndMatchesTheGenerator()
    {
        using var folder = new TempFolder();
        var written = DatasetExport.Write(folder.Path, DatasetSplit.Test, 25, firstIndex: 10);
        var loaded = EvalDataset.Load(folder.Path);

        Assert.Equal(written, loaded, (a, b) => a.Id == b.Id && a.Question == b.Question && a.Answer == b.Answer && a.Image == b.Image
                                              && a.Reference == b.Reference && a.ReferenceKind == b.ReferenceKind
                                              && a.Tags!.SequenceEqual(b.Tags!));
        Assert.Equal(25, loaded.Count);
        Assert.Equal("test-000010", loaded[0].Id);
        var generator = new SceneGenerator();
        for (int k = 0; k < loaded.Count; k++)
        {
            var item = loaded[k];
            var expected = generator.Generate(DatasetSplits.Seed(DatasetSplit.Test, 10 + k));
            Assert.Equal(expected.Question, item.Question);
            Assert.Equal(expected.Answer, item.Answer);
            Assert.Equal(ReferenceKind.Mask, item.ReferenceKind);
            Assert.Equal(expected.Kind.Tag(), item.Tags!["type"]);
            Assert.Equal("test", item.Tags["split"]);
            Assert.Equal(expected.HasEvidence ? "objects" : "none", item.Tags["evidence"]);

            // The PNGs decode to exactly the rendered scene and its evidence mask.
            var image = RgbImage.Load(Path.Combine(folder.Path, item.Image));
            Assert.Equal(SceneRenderer.Render(expected.Scene).Pixels, image.Pixels);
            var mask = PngFiles.DecodeMask(File.ReadAllBytes(Path.Combine(folder.Path, item.Reference!)), out int w, out int h);
            Assert.Equal((image.Width, image.Height), (w, h));
            Assert.Equal(SceneRenderer.EvidenceMask(expected.Scene, expected.EvidenceObjects), mask);
        }
    }

    [Fact]
    public void SplitsUseDisjointSeeds()
    {
        var ranges = Enum.GetValues<DatasetSplit>()
            .Select(s => (First: (long)DatasetSplits.FirstSeed(s), Last: (long)DatasetSplits.Seed(s, DatasetSplits.Size - 1)))
            .OrderBy(r => r.First)
            .ToList();
        for (int i = 1; i < ranges.Count; i++) Assert.True(ranges[i].First > ranges[i - 1].Last);
        Assert.Throws<ArgumentOutOfRangeException>(() => DatasetSplits.Seed(DatasetSplit.Train, DatasetSplits.Size));
    }
}
