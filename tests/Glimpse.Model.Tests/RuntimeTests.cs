using Glimpse.Core.Images;
using Glimpse.Model.Generation;

namespace Glimpse.Model.Tests;

/// <summary>The whole path from an image file and a question to an answer, on the tiny reference models.</summary>
public class RuntimeTests
{
    private const string Question = "what color is the big ball";

    [Fact]
    public void LlavaAnswersFromTextAndImageFile()
    {
        using var reference = ReferenceSet.Llava();
        using var runtime = VisionLanguageRuntime.Open(reference.ModelDir);
        using var prompt = runtime.Prepare(RgbImage.Load(reference.ImagePath), Question);

        // The reference README's worked example: [1, 3, 5] + [299]×16 + [104, 292, 111, 113, 44, 162, 4, 5].
        long[] expected = [1, 3, 5, .. Enumerable.Repeat(299L, 16), 104, 292, 111, 113, 44, 162, 4, 5];
        Assert.Equal(expected, prompt.Layout.InputIds);
        Assert.Equal(Enumerable.Range(3, 16), prompt.Layout.ImagePositions);
        Assert.Equal(Enumerable.Range(19, 6), prompt.Layout.QuestionPositions);
        TensorAssert.AbsoluteClose(reference["pixel_values"], prompt.Image.PixelValues, 1e-5, "pixel_values");

        using var answer = runtime.Answer(prompt, new GenerationOptions { MaxNewTokens = 6, StopAtEos = false });
        Assert.Equal(6, answer.Generation.NewTokens.Length);
        Assert.Equal(runtime.Tokenizer.Decode(answer.Generation.NewTokens), answer.Text);
        Assert.Equal(Enumerable.Range(expected.Length, 6), answer.AnswerPositions);
        Assert.Equal(Enumerable.Range(expected.Length - 1, 6), answer.QueryPositions);

        // Same ids and image through the bare generator give the same answer.
        using var direct = AnswerGenerator.Generate(runtime.Model, expected, new(reference["pixel_values"]),
            new GenerationOptions { MaxNewTokens = 6, StopAtEos = false });
        Assert.Equal(direct.NewTokens, answer.Generation.NewTokens);
    }

    [Fact]
    public void Qwen2VLAnswersFromTextAndImageFile()
    {
        using var reference = ReferenceSet.Qwen2VL();
        using var runtime = VisionLanguageRuntime.Open(reference.ModelDir);
        using var prompt = runtime.Prepare(RgbImage.Load(reference.ImagePath), Question);
        long[] expected = [3, 7, 8, 9, 10, 11, 12, 13, 2, 3, 14, 290, .. Enumerable.Repeat(293L, 6), 291, 105, 298, 112, 114, 45, 163, 2, 3, 12];
        Assert.Equal(expected, prompt.Layout.InputIds);
        Assert.Equal(new long[] { 1, 4, 6 }, prompt.Image.ImageGridThw);
        TensorAssert.AbsoluteClose(reference["pixel_values"], prompt.Image.PixelValues, 1e-5, "pixel_values");

        using var answer = runtime.Answer(prompt, new GenerationOptions { MaxNewTokens = 5, StopAtEos = false });
        Assert.Equal(5, answer.Generation.NewTokens.Length);
        Assert.Equal(2, runtime.EosTokenIds.Single());   // generation_config.json
    }

    [Fact]
    public void Idefics3AnswersFromTextAndImageFile()
    {
        using var reference = ReferenceSet.Idefics3();
        using var runtime = VisionLanguageRuntime.Open(reference.ModelDir);
        Assert.IsType<Glimpse.Model.Families.Idefics3.Idefics3Model>(runtime.Model);
        using var prompt = runtime.Prepare(RgbImage.Load(reference.ImagePath), reference.Json["question"]!.GetValue<string>());
        // The processor's expansion: 2×2 tiles with their row/column markers, then the global image.
        Assert.Equal(reference.Ids("input_ids"), prompt.Layout.InputIds);
        Assert.Equal(reference.Ids("image_token_positions").Select(p => (int)p), prompt.Layout.ImagePositions);
        Assert.Equal(Enumerable.Range(36, 6), prompt.Layout.QuestionPositions);
        Assert.Equal(5, prompt.ImageTokens.Grids.Count);
        TensorAssert.AbsoluteClose(reference["pixel_values"][0], prompt.Image.PixelValues, 1e-5, "pixel_values");

        using var answer = runtime.Answer(prompt, new GenerationOptions { MaxNewTokens = 8, StopAtEos = false });
        Assert.Equal(reference.Ids("new_tokens"), answer.Generation.NewTokens);
        Assert.Equal("this new box square knife grape one this", answer.Text);
        Assert.Equal(279, runtime.EosTokenIds.Single());   // generation_config.json: <end_of_utterance>
    }

    [Fact]
    public void Qwen25VLAnswersFromTextAndImageFile()
    {
        using var reference = ReferenceSet.Qwen25VL();
        using var runtime = VisionLanguageRuntime.Open(reference.ModelDir);
        Assert.IsType<Glimpse.Model.Families.Qwen25VL.Qwen25VLModel>(runtime.Model);
        using var prompt = runtime.Prepare(RgbImage.Load(reference.ImagePath), Question);
        // The reference README's worked example: the chat prompt with <|image_pad|> expanded to 10 copies.
        long[] expected = [3, 7, 8, 9, 10, 11, 12, 13, 2, 3, 14, 290, .. Enumerable.Repeat(293L, 10), 291, 105, 298, 112, 114, 45, 163, 2, 3, 12];
        Assert.Equal(expected, prompt.Layout.InputIds);
        Assert.Equal(Enumerable.Range(12, 10), prompt.Layout.ImagePositions);
        Assert.Equal(Enumerable.Range(23, 6), prompt.Layout.QuestionPositions);
        Assert.Equal(new long[] { 1, 4, 10 }, prompt.Image.ImageGridThw);
        TensorAssert.AbsoluteClose(reference["pixel_values"], prompt.Image.PixelValues, 1e-5, "pixel_values");

        using var answer = runtime.Answer(prompt, new GenerationOptions { MaxNewTokens = 6, StopAtEos = false });
        Assert.Equal(6, answer.Generation.NewTokens.Length);
        Assert.Equal(runtime.Tokenizer.Decode(answer.Generation.NewTokens.Where(id => !runtime.Tokenizer.IsSpecial(id)).ToArray()), answer.Text);
        Assert.Equal(2, runtime.EosTokenIds.Single());   // generation_config.json

        // The same ids and the stored pixel_values through the bare generator give the same answer.
        var grid = reference["image_grid_thw"][0].data<long>().ToArray();
        using var direct = AnswerGenerator.Generate(runtime.Model, expected, new(reference["pixel_values"], grid),
            new GenerationOptions { MaxNewTokens = 6, StopAtEos = false });
        Assert.Equal(direct.NewTokens, answer.Generation.NewTokens);
    }

    [Fact]
    public void LlavaNextAnswersFromTextAndImageFile()
    {
        using var reference = ReferenceSet.LlavaNext();
        using var runtime = VisionLanguageRuntime.Open(reference.ModelDir);
        Assert.IsType<Glimpse.Model.Families.LlavaNext.LlavaNextModel>(runtime.Model);
        using var prompt = runtime.Prepare(RgbImage.Load(reference.ImagePath), "where is the red circle");
        // The reference README's expansion: the vicuna prompt with <image> expanded to 34 = 16 + 2·8 + 2 copies.
        Assert.Equal(reference.Ids("input_ids"), prompt.Layout.InputIds);
        Assert.Equal(Enumerable.Range(32, 34), prompt.Layout.ImagePositions);
        TensorAssert.AbsoluteClose(reference["pixel_values"][0], prompt.Image.PixelValues, 1e-5, "pixel_values");

        using var answer = runtime.Answer(prompt, new GenerationOptions { MaxNewTokens = 6, StopAtEos = false });
        Assert.Equal(reference.Ids("new_tokens"), answer.Generation.NewTokens);
        Assert.Equal("plate knife jump plane USER ?", answer.Text);
        Assert.Equal(2, runtime.EosTokenIds.Single());   // generation_config.json
    }

    [Fact]
    public void MissingTokenizerIsAModelLoadErrorNamingTheFile()
    {
        using var reference = ReferenceSet.Llava();
        string dir = Directory.CreateTempSubdirectory("glimpse-runtime-").FullName;
        try
        {
            foreach (var f in Directory.GetFiles(reference.ModelDir).Where(f => !f.EndsWith("tokenizer.json")))
                File.Copy(f, Path.Combine(dir, Path.GetFileName(f)));
            var e = Assert.Throws<ModelLoadException>(() => VisionLanguageRuntime.Open(dir));
            Assert.Contains("tokenizer.json", e.Message);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void PromptBeyondTheContextIsRefused()
    {
        using var reference = ReferenceSet.Llava();
        using var runtime = VisionLanguageRuntime.Open(reference.ModelDir);
        string longQuestion = string.Join(' ', Enumerable.Repeat("ball", 200));
        var e = Assert.Throws<ArgumentException>(() => runtime.Prepare(RgbImage.Load(reference.ImagePath), longQuestion));
        Assert.Contains("context", e.Message);
    }

    [Fact]
    public void Qwen3VLAnswersFromTextAndImageFile()
    {
        using var reference = ReferenceSet.Qwen3VL();
        using var runtime = VisionLanguageRuntime.Open(reference.ModelDir);
        Assert.IsType<Glimpse.Model.Families.Qwen3VL.Qwen3VLModel>(runtime.Model);
        using var prompt = runtime.Prepare(RgbImage.Load(reference.ImagePath), Question);
        // The reference README's chat example (no default system turn), <|image_pad|> expanded to 12 copies.
        long[] expected = [3, 14, 290, .. Enumerable.Repeat(293L, 12), 291, 105, 298, 112, 114, 45, 163, 2, 3, 12];
        Assert.Equal(expected, prompt.Layout.InputIds);
        Assert.Equal(Enumerable.Range(3, 12), prompt.Layout.ImagePositions);
        Assert.Equal(Enumerable.Range(16, 6), prompt.Layout.QuestionPositions);
        Assert.Equal(new long[] { 1, 6, 8 }, prompt.Image.ImageGridThw);
        TensorAssert.AbsoluteClose(reference["pixel_values"], prompt.Image.PixelValues, 1e-5, "pixel_values");

        using var answer = runtime.Answer(prompt, new GenerationOptions { MaxNewTokens = 6, StopAtEos = false });
        Assert.Equal(6, answer.Generation.NewTokens.Length);
        Assert.Equal(runtime.Tokenizer.Decode(answer.Generation.NewTokens.Where(id => !runtime.Tokenizer.IsSpecial(id)).ToArray()), answer.Text);
        Assert.Equal(2, runtime.EosTokenIds.Single());   // generation_config.json

        // The same ids and the stored pixel_values through the bare generator give the same answer.
        var grid = reference["image_grid_thw"][0].data<long>().ToArray();
        using var direct = AnswerGenerator.Generate(runtime.Model, expected, new(reference["pixel_values"], grid),
            new GenerationOptions { MaxNewTokens = 6, StopAtEos = false });
        Assert.Equal(direct.NewTokens, answer.Generation.NewTokens);
    }
}
