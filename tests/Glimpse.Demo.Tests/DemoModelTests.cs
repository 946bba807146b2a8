using Glimpse.Model.Families.Llava;
using Glimpse.Demo.ModelFiles;
using Glimpse.Demo.Questions;
using Glimpse.Demo.Scenes;
using Glimpse.Demo.Training;
using Glimpse.Model;
using Glimpse.Model.Configuration;

namespace Glimpse.Demo.Tests;

/// <summary>The committed demo model: found beside the binaries, loaded by the ordinary loader, and right on held-out items.</summary>
public class DemoModelTests
{
    [Fact]
    public void TheDemoModelTravelsWithTheBinaries()
    {
        Assert.Equal(Path.Combine(AppContext.BaseDirectory, DemoModel.ModelsFolderName, DemoModel.Id), DemoModel.Directory);
        foreach (string file in new[] { "config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", "preprocessor_config.json", "generation_config.json" })
            Assert.True(File.Exists(Path.Combine(DemoModel.Directory, file)), file);
        Assert.True(new FileInfo(Path.Combine(DemoModel.Directory, DemoCheckpoint.WeightsFile)).Length < 20 << 20);
    }

    [Fact]
    public void ItsFilesAreWhatTheCodeWrites()
    {
        // The committed config and tokenizer are exactly what DemoModelShape and DemoVocabulary produce today, so the
        // model's vocabulary cannot drift from the templates.
        using var folder = new TempFolder();
        new DemoModelShape().WriteModelFiles(folder.Path);
        foreach (string path in Directory.GetFiles(folder.Path))
            Assert.Equal(File.ReadAllText(path), File.ReadAllText(Path.Combine(DemoModel.Directory, Path.GetFileName(path))));
        var config = Assert.IsType<LlavaConfig>(ConfigReader.Read(DemoModel.Directory));
        Assert.Equal(new DemoModelShape().ImageTokens, config.ImageSeqLength);
    }

    [Fact]
    public void TheDeepModelTravelsToo_AndItsFilesAreWhatTheCodeWrites()
    {
        Assert.Equal(Path.Combine(AppContext.BaseDirectory, DemoModel.ModelsFolderName, DemoModel.DeepId), DemoModel.DeepDirectory);
        using var folder = new TempFolder();
        DemoModelShape.Deep.WriteModelFiles(folder.Path);
        foreach (string path in Directory.GetFiles(folder.Path))
            Assert.Equal(File.ReadAllText(path), File.ReadAllText(Path.Combine(DemoModel.DeepDirectory, Path.GetFileName(path))));
        var config = Assert.IsType<LlavaConfig>(ConfigReader.Read(DemoModel.DeepDirectory));
        Assert.Equal(36, config.ImageSeqLength);
        Assert.True(new FileInfo(Path.Combine(DemoModel.DeepDirectory, DemoCheckpoint.WeightsFile)).Length < 20 << 20);
        Assert.Equal((192, 32), (SceneOptions.ForModel(DemoModel.DeepDirectory).Width, SceneOptions.ForModel(DemoModel.DeepDirectory).CellSize));
    }

    [Theory]
    [InlineData(DemoModel.Id)]
    [InlineData(DemoModel.DeepId)]
    public void ItAnswersHeldOutQuestionsCorrectly(string id)
    {
        string directory = Path.Combine(DemoModel.ModelsFolder, id);
        using var runtime = VisionLanguageRuntime.Open(directory);
        var generator = new SceneGenerator(SceneOptions.ForModel(directory));
        var items = Enumerable.Range(0, 14)
            .Select(i => generator.Generate(DatasetSplits.Seed(DatasetSplit.Test, 500_000 + i), QuestionKinds.All[i % QuestionKinds.All.Count]))
            .ToList();
        var answers = items.Select(item => AnswerAccuracy.AnswerOf(runtime, SceneRenderer.Render(item.Scene), item.Question)).ToList();
        int correct = items.Zip(answers).Count(p => AnswerAccuracy.Matches(p.Second, p.First.Answer));
        // Two items of each kind; the models answer about 95 % of held-out items right, so two misses may happen.
        Assert.True(correct >= 12, string.Join("\n", items.Zip(answers).Select(p => $"{p.First.Question} → {p.Second} (expected {p.First.Answer})")));
        // The answer text reads as a sentence: the decoder puts punctuation straight after the word.
        Assert.Contains(answers, a => a.EndsWith('.') && !a.EndsWith(" .", StringComparison.Ordinal));
    }
}
