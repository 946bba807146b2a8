using System.CommandLine;
using Glimpse.Core.Images;
using Glimpse.Model;
using Glimpse.Model.Generation;

namespace Glimpse.Cli.Commands;

/// <summary><c>glimpse generate</c>: answer a question about an image and print the answer.</summary>
internal static class GenerateCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var image = CommonOptions.Image();
        var prompt = CommonOptions.Prompt();
        var maxNewTokens = new Option<int>("--max-new-tokens") { Description = "Longest answer, in tokens.", DefaultValueFactory = _ => 64 };
        var temperature = new Option<double>("--temperature") { Description = "0 decodes greedily; above 0 samples.", DefaultValueFactory = _ => 0 };
        var topP = new Option<double>("--top-p") { Description = "Nucleus sampling mass (with --temperature).", DefaultValueFactory = _ => 1 };
        var seed = new Option<long?>("--seed") { Description = "Sampling seed, for repeatable answers." };
        var dtype = CommonOptions.DType();
        var device = CommonOptions.Device();
        var command = new Command("generate", "Answer a question about an image.")
        {
            model, image, prompt, maxNewTokens, temperature, topP, seed, dtype, device,
        };
        command.SetAction(parse => CommonOptions.Run(() =>
        {
            var options = new GenerationOptions
            {
                MaxNewTokens = parse.GetValue(maxNewTokens),
                Temperature = parse.GetValue(temperature),
                TopP = parse.GetValue(topP),
                Seed = parse.GetValue(seed),
            };
            options.Validate();
            var picture = RgbImage.Load(CommonOptions.Require(parse.GetValue(image), "--image"));
            string question = CommonOptions.Require(parse.GetValue(prompt), "--prompt");
            using var runtime = VisionLanguageRuntime.Open(CommonOptions.ResolveModel(parse.GetValue(model)), CommonOptions.LoadOptions(parse, dtype, device));
            using var prepared = runtime.Prepare(picture, question);
            using var answer = runtime.Answer(prepared, options);
            Console.WriteLine(answer.Text);
            var g = answer.Generation;
            Console.Error.WriteLine($"{g.NewTokens.Length} tokens ({g.FinishReason}); prompt {g.PromptIds.Length} tokens, " +
                                    $"prefill {g.PrefillTime.TotalMilliseconds:F0} ms, decode {g.DecodeTime.TotalMilliseconds:F0} ms");
            return 0;
        }));
        return command;
    }
}
