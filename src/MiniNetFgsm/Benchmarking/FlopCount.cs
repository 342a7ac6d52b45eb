using MiniNetFgsm.Layers;

namespace MiniNetFgsm.Benchmarking;

/// <summary>
/// Floating-point operations (a multiply-add counts as 2) of the matrix products in a model, per image.
/// Elementwise work (ReLU, pooling, dropout, softmax) is left out: it is memory-bound and small.
/// </summary>
public static class FlopCount
{
    /// <summary>Forward pass: Σ over conv layers 2·O·C·KH·KW·OH·OW plus Σ over dense layers 2·In·Out.</summary>
    public static double Forward(Sequential model, int[] imageShape) => PerLayer(model, imageShape).Sum();

    /// <summary>A training step: forward, weight gradients of every layer, input gradients of every layer but the first.</summary>
    public static double TrainingStep(Sequential model, int[] imageShape)
    {
        double[] layers = PerLayer(model, imageShape);
        double first = layers.FirstOrDefault(f => f > 0);
        return 3 * layers.Sum() - first;
    }

    /// <summary>An FGSM batch: forward, input gradients of every layer (no weight gradients), forward on x_adv.</summary>
    public static double Fgsm(Sequential model, int[] imageShape) => 3 * PerLayer(model, imageShape).Sum();

    private static double[] PerLayer(Sequential model, int[] imageShape)
    {
        int[] shape = [1, .. imageShape];
        var flops = new double[model.Layers.Count];
        for (int i = 0; i < model.Layers.Count; i++)
        {
            Layer layer = model.Layers[i].Layer;
            int[] output = layer.OutputShape(shape);
            flops[i] = layer switch
            {
                Conv2d conv => 2.0 * conv.OutChannels * conv.InChannels * conv.KernelHeight * conv.KernelWidth * output[2] * output[3],
                Dense dense => 2.0 * dense.InFeatures * dense.OutFeatures,
                _ => 0,
            };
            shape = output;
        }

        return flops;
    }
}
