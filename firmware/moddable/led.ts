/**
 * The board LED through `embedded:io/digital` on a configurable pin (ESP32
 * DevKit: GPIO 2; Pico W: 32, which Moddable maps to the CYW43's WL_GPIO0).
 *
 * Never: touch the pin at module load (the bundle is preloaded at build
 * time, where native functions cannot run).
 */
import Digital from 'embedded:io/digital';

/** Something that can switch an LED. */
export interface LedDriver {
  /** Switches the LED on or off. */
  set(on: boolean): void;
}

/** An LED on a GPIO pin. */
export class DigitalLed implements LedDriver {
  private readonly pin: Digital;
  private readonly activeLow: boolean;

  /** Configures `pin` as an output, LED off. */
  constructor(pin: number, activeLow = false) {
    this.activeLow = activeLow;
    this.pin = new Digital({ pin, mode: Digital.Output });
    this.set(false);
  }

  set(on: boolean): void {
    this.pin.write(on !== this.activeLow ? 1 : 0);
  }
}
