using System.Text.Json.Nodes;
using Glimpse.Core.Images;
using Glimpse.Model.Families.Llava;
using Glimpse.Model.Generation;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Glimpse.Model.Tests.Families;

/// <summary>
/// LLaVA with <c>vision_feature_select_strategy: full</c>: the CLS feature is kept as the first image token. The tiny
/// reference checkpoint (strategy default) is copied with only that config value changed, so every patch feature must
/// still equal Hugging Face's <c>image_features</c>, and the CLS feature must be the projector applied to Hugging Face's
/// CLS hidden state of the selected layer.
/// </summary>
public sealed class LlavaFullStrategyTests : IDisposable
{
    private readonly ReferenceSet _reference = ReferenceSet.Llava();
    private readonly string _dir = Directory.CreateTempSubdirectory("glimpse-llava-full-").FullName;

    public LlavaFullStrategyTests()
    {
        foreach (var file in Directory.GetFiles(_reference.ModelDir)) File.Copy(file, Path.Combine(_dir, Path.GetFileName(file)));
        string config = Path.Combine(_dir, "config.json");
        var json = JsonNode.Parse(File.ReadAllText(config))!.AsObject();
        json["vision_feature_select_strategy"] = "full";
        File.WriteAllText(config, json.ToJsonString());
    }

    public void Dispose()
    {
        _reference.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void The_CLS_feature_comes_first_and_the_patch_features_are_Hugging_Faces()
    {
        using var scope = NewDisposeScope();
        using var _ = torch.no_grad();
        using var model = (LlavaModel)ModelLoader.Load(_dir);
        var features = model.EncodeImage(new(_reference["pixel_values"]));                  // [1 + 16, D]

        Assert.Equal(17, features.shape[0]);
        TensorAssert.RelativeClose(_reference["image_features"], features[1..], 1e-4, "patch features with strategy full");

        // vision_feature_layer −2 of a 2-layer tower is hidden state 1; its row 0 is CLS.
        var weights = Safetensors.LoadStateDict(Path.Combine(_dir, "model.safetensors"));
        Tensor W(string name) => weights.First(kv => kv.Key.EndsWith(name, StringComparison.Ordinal)).Value;
        var cls = _reference["vision.hidden_states.1"][0];                                  // [C]
        var hidden = nn.functional.gelu(nn.functional.linear(cls, W("multi_modal_projector.linear_1.weight"), W("multi_modal_projector.linear_1.bias")));
        var expected = nn.functional.linear(hidden, W("multi_modal_projector.linear_2.weight"), W("multi_modal_projector.linear_2.bias"));
        TensorAssert.RelativeClose(expected, features[0], 1e-4, "CLS feature");
    }

    [Fact]
    public void The_prompt_holds_one_more_image_token_that_lies_in_no_cell_and_the_model_answers()
    {
        using var runtime = VisionLanguageRuntime.Open(_dir);
        using var prompt = runtime.Prepare(RgbImage.Load(_reference.ImagePath), "what color is the big ball");

        Assert.Equal(17, prompt.Layout.ImagePositions.Length);
        Assert.Equal(17, prompt.ImageTokens.TokenCount);
        Assert.Equal([0], prompt.ImageTokens.UnplacedTokens);
        var grid = Assert.Single(prompt.ImageTokens.Grids);
        Assert.Equal((4, 4), (grid.Rows, grid.Columns));
        Assert.Equal(Enumerable.Range(1, 16), grid.Tokens);

        using var answer = runtime.Answer(prompt, new GenerationOptions { MaxNewTokens = 4, StopAtEos = false });
        Assert.Equal(4, answer.Generation.NewTokens.Length);
    }
}
